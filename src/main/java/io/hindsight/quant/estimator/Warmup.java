package io.hindsight.quant.estimator;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where a static estimator's first range comes from, before it has observed any tensor
 * (step 0, or after every observation so far held non-finite values).
 */
public enum Warmup {
  /** Use the current tensor's statistics (a dynamic step: one extra statistics pass). */
  DYNAMIC("dynamic"),
  /** Use a user-given initial range {@code [min, max]} (the step stays static). */
  FIXED("fixed");

  private final String id;

  Warmup(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Optional<Warmup> fromId(String id) {
    return Arrays.stream(values()).filter(w -> w.id.equals(id)).findFirst();
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Warmup::id).toList();
  }

  @Override
  public String toString() {
    return id;
  }
}

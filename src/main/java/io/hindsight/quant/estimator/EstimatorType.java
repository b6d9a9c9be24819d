package io.hindsight.quant.estimator;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The range estimators, by the identifier used in job specs. */
public enum EstimatorType {
  /** {@link CurrentMinMax}. */
  CURRENT_MINMAX("current-minmax", false),
  /** {@link RunningMinMax}. */
  RUNNING_MINMAX("running-minmax", false),
  /** {@link HindsightMinMax}. */
  HINDSIGHT_MINMAX("hindsight-minmax", true),
  /** {@link HindsightEma}. */
  HINDSIGHT_EMA("hindsight-ema", true),
  /** {@link AmaxHistory}. */
  AMAX_HISTORY("amax-history", true),
  /** {@link Dsgc}. */
  DSGC("dsgc", false),
  /** {@link FixedRange}. */
  FIXED("fixed", true);

  private final String id;
  private final boolean isStatic;

  EstimatorType(String id, boolean isStatic) {
    this.id = id;
    this.isStatic = isStatic;
  }

  /** The identifier in job specs, e.g. {@code hindsight-minmax}. */
  public String id() {
    return id;
  }

  /** Static: the range is known before the tensor is produced. Dynamic: it depends on the tensor itself. */
  public boolean isStatic() {
    return isStatic;
  }

  /** Whether the estimator keeps a warm-up policy (the static ones that learn from statistics). */
  public boolean hasWarmup() {
    return isStatic && this != FIXED;
  }

  public static Optional<EstimatorType> fromId(String id) {
    return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
  }

  /** All identifiers, for error messages. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(EstimatorType::id).toList();
  }

  @Override
  public String toString() {
    return id;
  }
}

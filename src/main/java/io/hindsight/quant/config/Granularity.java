package io.hindsight.quant.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** One range per tensor, or one per output channel (axis 0; weights only). */
public enum Granularity {
  PER_TENSOR("per-tensor"),
  PER_CHANNEL("per-channel");

  private final String id;

  Granularity(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Optional<Granularity> fromId(String id) {
    return Arrays.stream(values()).filter(g -> g.id.equals(id)).findFirst();
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Granularity::id).toList();
  }

  @Override
  public String toString() {
    return id;
  }
}

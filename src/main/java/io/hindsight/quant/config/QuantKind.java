package io.hindsight.quant.config;

/** What a quantizer quantizes in a Linear or Conv2d layer. */
public enum QuantKind {
  /** The layer's weights (may be per output channel). */
  WEIGHT("weight", "weights"),
  /** The layer's input activation. */
  ACTIVATION("activation", "activations"),
  /** The gradient of the layer's output, {@code dY}, as both backward products see it. */
  GRADIENT("gradient", "gradients");

  private final String id;
  private final String section;

  QuantKind(String id, String section) {
    this.id = id;
    this.section = section;
  }

  /** The suffix of quantizer names, {@code <layer>/<id>}, e.g. {@code conv1/gradient}. */
  public String id() {
    return id;
  }

  /** The config block that configures it, e.g. {@code gradients}. */
  public String section() {
    return section;
  }

  @Override
  public String toString() {
    return id;
  }
}

package io.hindsight.quant.config;

/**
 * An invalid {@code quantization} block: carries the JSON path of the offending field (e.g.
 * {@code quantization.gradients.bits}) and says what is wrong with it. Names that are not plain
 * identifiers are quoted in brackets: {@code quantization.layers["stage2.block0.conv1"].weights.bits}.
 */
public final class QuantConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String path;
  private final String problem;

  public QuantConfigException(String path, String problem) {
    super(path + ": " + problem);
    this.path = path;
    this.problem = problem;
  }

  public QuantConfigException(String path, String problem, Throwable cause) {
    super(path + ": " + problem, cause);
    this.path = path;
    this.problem = problem;
  }

  /** The JSON path of the field, e.g. {@code quantization.layers.conv1.weights.bits}. */
  public String path() {
    return path;
  }

  /** The message without the path. */
  public String problem() {
    return problem;
  }
}

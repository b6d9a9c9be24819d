package io.hindsight.onnx;

import io.hindsight.data.DatasetLoader;

/**
 * What an exported graph takes as its input {@code images}, and how that becomes what the model
 * saw in training. For Fashion-MNIST and MNIST the input is the pixel value divided by 255 and the
 * graph applies the training normalization {@code (x - mean) / std} itself (the constants of
 * {@link DatasetLoader.Normalization}); the synthetic task's values are not pixels and are fed
 * unchanged ({@link #normalizes()} false).
 *
 * @param mean subtracted in the graph (0 without normalization)
 * @param std divided by in the graph (1 without normalization)
 * @param normalizes whether the graph normalizes its input
 */
public record GraphInput(float mean, float std, boolean normalizes) {
  /** The input convention for a dataset name of a job spec. */
  public static GraphInput of(String dataset) {
    if ("synthetic".equals(dataset)) {
      return new GraphInput(0f, 1f, false);
    }
    DatasetLoader.Normalization n = DatasetLoader.Normalization.of(dataset);
    return new GraphInput(n.mean(), n.std(), true);
  }

  /**
   * The graph input of values as our datasets hold them (normalized by {@link DatasetLoader}): each
   * byte pixel is recovered exactly (the normalization is an affine map of 256 well separated values)
   * and divided by 255.
   */
  public float[] fromDatasetValues(float[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = normalizes ? (float) Math.rint((values[i] * (double) std + mean) * 255.0) / 255f : values[i];
    }
    return out;
  }
}

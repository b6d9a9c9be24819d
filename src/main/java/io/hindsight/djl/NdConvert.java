package io.hindsight.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.hindsight.tensor.Tensor;
import java.util.Arrays;

/**
 * Explicit copies between our {@link Tensor} (float32, row-major) and DJL {@link NDArray}s. Both
 * are dense row-major, so a copy keeps the shape and the element order unchanged.
 */
final class NdConvert {
  private NdConvert() {}

  /** A new float32 NDArray in {@code manager} holding a copy of {@code t}, same shape. */
  static NDArray toNd(NDManager manager, Tensor t) {
    return manager.create(t.data(), shape(t.shape()));
  }

  /** A new float32 NDArray in {@code manager} of the given shape, copying {@code data}. */
  static NDArray toNd(NDManager manager, float[] data, int... shape) {
    return manager.create(data, shape(shape));
  }

  /** A copy of a float32 NDArray as a Tensor of the same shape. */
  static Tensor toTensor(NDArray a) {
    if (a.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("expected a float32 NDArray but got " + a.getDataType() + " " + a.getShape());
    }
    long[] s = a.getShape().getShape();
    int[] dims = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      dims[i] = Math.toIntExact(s[i]);
    }
    return Tensor.of(a.toFloatArray(), dims);
  }

  /** Our {@code int[]} shape as a DJL {@link Shape}. */
  static Shape shape(int... dims) {
    return new Shape(Arrays.stream(dims).asLongStream().toArray());
  }
}

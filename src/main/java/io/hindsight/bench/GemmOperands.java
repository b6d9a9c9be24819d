package io.hindsight.bench;

import io.hindsight.cuda.Activation;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.cuda.NtEpilogue;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The device operands of a benchmarked INT8 layer {@code y (m, n) = relu(x (m, k) W (n, k)^T)}: random
 * int8 x and W, per-channel weight scales, a zero bias and W's row sums (x is asymmetric, zero
 * point 3), all in the caller's arena; and the epilogue that writes y as int8 with a static range
 * or as FP32.
 */
record GemmOperands(DeviceBuffer x, DeviceBuffer w, DeviceBuffer scaleW, DeviceBuffer bias, DeviceBuffer colSum) {
  private static final int ZERO_POINT_X = 3;

  static GemmOperands random(CudaKernels kernels, DeviceScope arena, int m, int n, int k, float weightScale,
      long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] hx = new byte[m * k];
    byte[] hw = new byte[n * k];
    r.nextBytes(hx);
    r.nextBytes(hw);
    float[] scales = new float[n];
    Arrays.fill(scales, weightScale);
    DeviceBuffer w = arena.upload(hw);
    DeviceBuffer colSum = arena.ints(n);
    kernels.rowSumS8(w, n, k, colSum);
    return new GemmOperands(arena.upload(hx), w, arena.upload(scales), arena.upload(new float[n]), colSum);
  }

  /** y = relu(dequantized product), quantized to int8 with the static range [0, 4] (null: FP32 output). */
  NtEpilogue epilogue(float scaleX, boolean int8Out) {
    return new NtEpilogue(scaleX, scaleW, true, ZERO_POINT_X, colSum, bias, Activation.RELU,
        int8Out ? QuantParams.perTensor(new QuantGrid(8, false), 0f, 4f) : null, Rounding.NEAREST, 0);
  }
}

package io.hindsight.bench;

import io.hindsight.cuda.Activation;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.cuda.GemmAlgo;
import io.hindsight.cuda.NtEpilogue;
import io.hindsight.cuda.QuantStats;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.util.function.LongFunction;

/**
 * One fully quantized training step of a two-layer MLP block on the GPU, all on the device, with
 * either in-hindsight (static) or dynamic ranges for the activations and gradients, so the two
 * schemes can be timed and their memory compared on the same work:
 * <pre>
 *   forward:  Wq_l = quantize(W_l) (per tensor, symmetric; the same in both schemes)
 *             H  (m, hidden) = relu(Xq  Wq_1^T)   -> int8
 *             Y  (m, width)  =      Hq  Wq_2^T    -> int8
 *   backward: dH (m, hidden) = dYq Wq_2           -> int8, stochastic rounding
 *             dX (m, width)  = dHq Wq_1           -> int8, stochastic rounding
 *             dW_2 = dYq^T Hq,  dW_1 = dHq^T Xq   (FP32, for the optimizer)
 *             SGD with momentum on W_1, W_2
 * </pre>
 * Static: each of the four int8 outputs is quantized in its GEMM's epilogue with the range of the
 * previous step, which records the output's statistics for the next one (one kernel, no FP32
 * tensor). Dynamic: each GEMM writes its FP32 output to a scratch buffer, {@code minmax_reduce}
 * reads it for its range and {@code quantize_with_range} reads it again to quantize it. The loss
 * gradient dYq is given (its producer, the loss, is outside the block), and the ReLU mask of the
 * backward pass is left out in both schemes. Device buffers come from the caller's allocator (an
 * arena's {@code allocate}); the dynamic scheme additionally needs the FP32 scratch buffer (the
 * largest GEMM output).
 */
final class QuantizedMlpStep {
  private static final float LR = 1e-3f;
  private static final float MOMENTUM = 0.9f;

  private final CudaKernels k;
  private final boolean dynamic;
  private final int m;
  private final int width;
  private final int hidden;
  private final DeviceBuffer x;
  private final DeviceBuffer dY;
  private final DeviceBuffer[] w = new DeviceBuffer[2];
  private final DeviceBuffer[] velocity = new DeviceBuffer[2];
  private final DeviceBuffer[] wq = new DeviceBuffer[2];
  private final DeviceBuffer[] wqT = new DeviceBuffer[2];
  private final DeviceBuffer[] colSum = new DeviceBuffer[2];
  private final DeviceBuffer[] dW = new DeviceBuffer[2];
  private final DeviceBuffer h;
  private final DeviceBuffer y;
  private final DeviceBuffer dH;
  private final DeviceBuffer dX;
  private final DeviceBuffer scaleOne;
  private final DeviceBuffer stats;
  private final DeviceBuffer params;
  private final DeviceBuffer scratch;
  private long step;

  /**
   * Allocates the step's buffers with {@code alloc} (bytes -> buffer). {@code x} (m, width) int8
   * input and {@code dY} (m, width) int8 loss gradient; {@code w1} (hidden, width) and {@code w2}
   * (width, hidden) FP32 weights are copied, so both schemes start from the same values;
   * {@code scale} holds the weights' per-tensor scale (1 float).
   */
  QuantizedMlpStep(CudaKernels k, LongFunction<DeviceBuffer> alloc, boolean dynamic, int m, int width, int hidden,
      DeviceBuffer x, DeviceBuffer dY, DeviceBuffer w1, DeviceBuffer w2, DeviceBuffer scale) {
    this.k = k;
    this.dynamic = dynamic;
    this.m = m;
    this.width = width;
    this.hidden = hidden;
    this.x = x;
    this.dY = dY;
    long weights = (long) hidden * width;
    DeviceBuffer[] init = {w1, w2};
    for (int l = 0; l < 2; l++) {
      w[l] = alloc.apply(4 * weights);
      k.copy(init[l], w[l], 4 * weights);
      velocity[l] = alloc.apply(4 * weights);
      wq[l] = alloc.apply(weights);
      wqT[l] = alloc.apply(weights);
      dW[l] = alloc.apply(4 * weights);
    }
    colSum[0] = alloc.apply(4L * hidden);
    colSum[1] = alloc.apply(4L * width);
    h = alloc.apply((long) m * hidden);
    y = alloc.apply((long) m * width);
    dH = alloc.apply((long) m * hidden);
    dX = alloc.apply((long) m * width);
    scaleOne = scale;
    stats = alloc.apply(6L * QuantStats.BYTES); // Wq_1, Wq_2, H, Y, dH, dX
    params = alloc.apply(16);
    scratch = dynamic ? alloc.apply(4L * m * Math.max(width, hidden)) : null;
  }

  private DeviceBuffer stat(int i) {
    return stats.slice((long) i * QuantStats.BYTES, QuantStats.BYTES);
  }

  /** Enqueues one training step (asynchronous; the caller synchronizes or times it). */
  void run() {
    k.statsInit(stats, 6);
    long weights = (long) hidden * width;
    QuantParams wParams = QuantParams.perTensor(new QuantGrid(8, true), -0.1f, 0.1f);
    for (int l = 0; l < 2; l++) {
      k.quantizeStatic(w[l], wq[l], weights, wParams, Rounding.NEAREST, 0, stat(l));
    }
    // Column sums of Wq_1, Wq_2 for the asymmetric inputs' zero points.
    k.rowSumS8(wq[0], hidden, width, colSum[0]);
    k.rowSumS8(wq[1], width, hidden, colSum[1]);
    QuantParams act = QuantParams.perTensor(new QuantGrid(8, false), 0f, 4f);
    QuantParams grad = QuantParams.perTensor(new QuantGrid(8, true), -0.05f, 0.05f);
    // forward
    gemm(x, wq[0], m, hidden, width, 3, colSum[0], Activation.RELU, act, Rounding.NEAREST, h, stat(2));
    gemm(h, wq[1], m, width, hidden, 3, colSum[1], Activation.NONE, act, Rounding.NEAREST, y, stat(3));
    // backward: B operands (N, K) are the transposed quantized weights
    k.transposeS8(wq[1], width, hidden, wqT[1]);
    k.transposeS8(wq[0], hidden, width, wqT[0]);
    gemm(dY, wqT[1], m, hidden, width, 0, null, Activation.NONE, grad, Rounding.STOCHASTIC, dH, stat(4));
    gemm(dH, wqT[0], m, width, hidden, 0, null, Activation.NONE, grad, Rounding.STOCHASTIC, dX, stat(5));
    k.wgrad(dY, h, m, width, hidden, 0.01f, 0.02f, 3, 0f, dW[1]);
    k.wgrad(dH, x, m, hidden, width, 0.01f, 0.02f, 3, 0f, dW[0]);
    for (int l = 0; l < 2; l++) {
      k.sgdUpdate(w[l], dW[l], velocity[l], weights, LR, MOMENTUM, false, 5e-4f, step == 0, null);
    }
    step++;
  }

  /** out (rows, n) int8 = A (rows, kk) B (n, kk)^T through the scheme's quantization path. */
  private void gemm(DeviceBuffer a, DeviceBuffer b, int rows, int n, int kk, int zeroPointA, DeviceBuffer colSumB,
      Activation act, QuantParams out, Rounding rounding, DeviceBuffer outS8, DeviceBuffer outStats) {
    long seed = step * 7919 + n;
    if (!dynamic) {
      NtEpilogue e = new NtEpilogue(0.02f, scaleOne, false, zeroPointA, colSumB, null, act, out, rounding, seed);
      k.gemmS8Nt(GemmAlgo.AUTO, a, b, rows, n, kk, e, outS8, null, outStats);
    } else {
      NtEpilogue e = new NtEpilogue(0.02f, scaleOne, false, zeroPointA, colSumB, null, act, null, rounding, seed);
      long count = (long) rows * n;
      k.gemmS8Nt(GemmAlgo.AUTO, a, b, rows, n, kk, e, null, scratch, null);
      k.minmaxReduce(scratch, count, outStats);
      k.quantizeWithRange(scratch, outS8, count, outStats, 8, out.grid().symmetric(), rounding, seed, params, null);
    }
  }
}

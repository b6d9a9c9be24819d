package io.hindsight.cuda;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import static io.hindsight.cuda.Checks.bitEqual;
import static io.hindsight.cuda.Checks.check;
import static io.hindsight.cuda.Checks.close;
import static io.hindsight.cuda.Checks.equal;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.CpuBackend;
import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.Pool2d;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import io.hindsight.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Kernel validation without JUnit: every kernel against an independent CPU computation (bit-exact
 * for the quantization kernels, the INT8 GEMMs and SGD; within float tolerance for the FP32
 * kernels against the CPU layers), and {@link CudaBackend} against {@link CpuBackend}. Runs on any
 * device: the GPU bundle runs {@link #main} on the GPU, {@code SoftwareDeviceSelfTest} runs the same
 * checks on the software device in CI, and {@code CudaKernelsGpuTest} on a GPU under JUnit. Prints
 * one line per check and {@code N passed, M failed}; without a GPU {@link #main} prints
 * {@code no GPU: <reason>} and exits 0.
 */
public final class GpuSelfTest {
  /** What a check runs against. */
  public record Env(CudaKernels kernels, CudaBackend backend, CpuBackend cpu) {}

  /** One named validation. */
  public record Check(String name, Body body) {}

  /** A check's body; throws {@link AssertionError} (or any exception) on failure. */
  @FunctionalInterface
  public interface Body {
    void run(Env env);
  }

  private GpuSelfTest() {}

  public static void main(String[] args) {
    CudaRuntime.Availability a = CudaRuntime.availability();
    if (!a.available()) {
      System.out.println("no GPU: " + a.reason());
      System.out.println("0 passed, 0 failed, " + checks().size() + " skipped");
      return;
    }
    int failed;
    try (CpuBackend cpu = new CpuBackend(Math.max(1, Runtime.getRuntime().availableProcessors()));
        CudaBackend backend = CudaBackend.create()) {
      failed = run(new Env(backend.kernels(), backend, cpu), System.out);
    }
    if (failed > 0) {
      System.exit(1);
    }
  }

  /**
   * Runs every check on {@code env}'s device (a GPU, or the software device), printing one line per
   * check and {@code N passed, M failed}; returns the number of failures.
   */
  public static int run(Env env, java.io.PrintStream out) {
    int passed = 0;
    int failed = 0;
    out.println("device: " + env.backend().device());
    for (Check c : checks()) {
      long t0 = System.nanoTime();
      try {
        c.body().run(env);
        env.kernels().device().synchronize();
        passed++;
        out.printf("PASS %-60s %8.1f ms%n", c.name(), (System.nanoTime() - t0) / 1e6);
      } catch (Throwable t) {
        failed++;
        out.printf("FAIL %-60s %s%n", c.name(), t);
      }
    }
    out.println(passed + " passed, " + failed + " failed");
    return failed;
  }

  /** All checks, in order. */
  public static List<Check> checks() {
    List<Check> c = new ArrayList<>();
    c.add(new Check("quantize_static_stats int8 asymmetric nearest-even (+ unaligned)", GpuSelfTest::staticInt8));
    c.add(new Check("quantize_static_stats int16 symmetric stochastic", GpuSelfTest::staticInt16Stochastic));
    c.add(new Check("dynamic minmax_reduce + quantize_with_range", GpuSelfTest::dynamicTwoPass));
    c.add(new Check("dequantize", GpuSelfTest::dequantize));
    c.add(new Check("gemm_s8_nt_dp4a fused epilogue, odd shapes", e -> ntGemm(e, GemmAlgo.DP4A, 77, 45, 83, false)));
    c.add(new Check("gemm_s8_nt_mma fused epilogue", e -> ntGemm(e, GemmAlgo.MMA, 200, 136, 96, false)));
    c.add(new Check("gemm_s8_nt_mma FP32 output", e -> ntGemm(e, GemmAlgo.MMA, 130, 70, 64, true)));
    c.add(new Check("gemm_s8_nt_dp4a FP32 output", e -> ntGemm(e, GemmAlgo.DP4A, 33, 70, 20, true)));
    c.add(new Check("gemm_s8_nt_mma_ldm fused epilogue (paired stores)", e -> ntGemm(e, GemmAlgo.MMA_LDM, 200, 136, 96, false)));
    c.add(new Check("gemm_s8_nt_mma_ldm fused epilogue, odd N", e -> ntGemm(e, GemmAlgo.MMA_LDM, 77, 45, 96, false)));
    c.add(new Check("gemm_s8_nt_mma_ldm FP32 output (paired stores)", e -> ntGemm(e, GemmAlgo.MMA_LDM, 130, 70, 64, true)));
    c.add(new Check("gemm_s8_nt_mma_ldm FP32 output, odd N", e -> ntGemm(e, GemmAlgo.MMA_LDM, 33, 45, 32, true)));
    c.add(new Check("gemm_s8_nt mma == mma_ldm == dp4a == reference, 512^3", GpuSelfTest::mmaEqualsDp4a));
    c.add(new Check("input gradient: transpose_s8 + NT GEMM, stochastic output", GpuSelfTest::inputGradient));
    c.add(new Check("gemm_s8_tn_wgrad aligned", e -> wgrad(e, 1000, 64, 96, 3, 0f)));
    c.add(new Check("gemm_s8_tn_wgrad unaligned, FP32 flush, beta", e -> wgrad(e, 40000, 21, 35, -7, 0.5f)));
    c.add(new Check("rowsum_s8", GpuSelfTest::rowSum));
    c.add(new Check("CudaBackend.gemm == CpuBackend (transposes, offsets, beta)", GpuSelfTest::backendGemm));
    c.add(new Check("CudaBackend.conv2d == CpuBackend (dense, strided, grouped, depthwise, 1x1)", GpuSelfTest::backendConv));
    c.add(new Check("batchnorm_fwd/bwd == BatchNorm2d (train, eval)", GpuSelfTest::batchNorm));
    c.add(new Check("pool2d_fwd/bwd == Pool2d (max, avg)", GpuSelfTest::pooling));
    c.add(new Check("softmax_xent_fwd/bwd == SoftmaxCrossEntropy", GpuSelfTest::softmax));
    c.add(new Check("sgd_update == Sgd (bit-exact)", GpuSelfTest::sgd));
    c.add(new Check("sgd_update_stats == Sgd (bit-exact) + each slot's statistics of the new weights",
        GpuSelfTest::sgdStats));
    c.addAll(QTrainChecks.checks());
    return c;
  }

  // ---------------------------------------------------------------------------------------------

  /** Activations with clipping, NaN and infinities sprinkled in. */
  private static float[] activations(SplittableRandom r, int n) {
    float[] x = Checks.normal(r, n, 2f);
    x[3] = Float.NaN;
    x[n / 2] = Float.POSITIVE_INFINITY;
    x[n - 2] = Float.NEGATIVE_INFINITY;
    x[7] = 40f;
    x[11] = -0f;
    return x;
  }

  private static void staticInt8(Env env) {
    CudaKernels k = env.kernels();
    int n = 100_003;
    float[] x = activations(new SplittableRandom(1), n);
    QuantParams p = QuantParams.perTensor(new QuantGrid(8, false), -2.5f, 4f);
    byte[] ref = new byte[n];
    QuantStats refStats = QuantizeRef.quantize(x, p, Rounding.NEAREST, 0, ref);
    check(refStats.clipped() > 0 && refStats.nonFinite() == 3, "test data must clip and hold 3 non-finite values");
    try (DeviceScope a = k.device().scope("selftest")) {
      for (int offset : new int[] {0, 4}) { // 4: misaligned float4 -> scalar path
        DeviceBuffer xs = a.floats(n + 1).slice(offset, 4L * n);
        xs.upload(x);
        DeviceBuffer q = a.bytes(n + 4).slice(offset == 0 ? 0 : 1, n);
        DeviceBuffer stats = a.allocate(QuantStats.BYTES);
        k.statsInit(stats, 1);
        k.quantizeStatic(xs, q, n, p, Rounding.NEAREST, 0, stats);
        byte[] got = new byte[n];
        q.download(got);
        equal("levels (offset " + offset + ")", ref, got);
        equal("stats (offset " + offset + ")", refStats, k.readStats(stats));
      }
    }
  }

  private static void staticInt16Stochastic(Env env) {
    CudaKernels k = env.kernels();
    int n = 65_537;
    float[] x = activations(new SplittableRandom(2), n);
    QuantParams p = QuantParams.perTensor(new QuantGrid(12, true), -3f, 5f);
    long seed = 0x1234_5678_9ABCL;
    short[] ref = new short[n];
    QuantStats refStats = QuantizeRef.quantize(x, p, Rounding.STOCHASTIC, seed, ref);
    try (DeviceScope a = k.device().scope("selftest")) {
      DeviceBuffer xs = a.upload(x);
      DeviceBuffer q = a.allocate(2L * n);
      DeviceBuffer stats = a.allocate(QuantStats.BYTES);
      k.statsInit(stats, 1);
      k.quantizeStatic(xs, q, n, p, Rounding.STOCHASTIC, seed, stats);
      short[] got = new short[n];
      q.download(got);
      equal("int16 levels", ref, got);
      equal("stats", refStats, k.readStats(stats));
    }
  }

  private static void dynamicTwoPass(Env env) {
    CudaKernels k = env.kernels();
    int n = 200_001;
    float[] x = activations(new SplittableRandom(3), n);
    QuantStats mm = QuantizeRef.minMax(x);
    for (boolean symmetric : new boolean[] {false, true}) {
      Rounding rounding = symmetric ? Rounding.STOCHASTIC : Rounding.NEAREST;
      QuantParams p = QuantParams.perTensor(new QuantGrid(8, symmetric), mm.min(), mm.max());
      byte[] ref = new byte[n];
      QuantStats refStats = QuantizeRef.quantize(x, p, rounding, 99, ref);
      try (DeviceScope a = k.device().scope("selftest")) {
        DeviceBuffer xs = a.upload(x);
        DeviceBuffer q = a.bytes(n);
        DeviceBuffer stats = a.allocate(2L * QuantStats.BYTES);
        DeviceBuffer range = stats.slice(0, QuantStats.BYTES);
        DeviceBuffer second = stats.slice(QuantStats.BYTES, QuantStats.BYTES);
        DeviceBuffer params = a.ints(4);
        k.statsInit(stats, 2);
        k.minmaxReduce(xs, n, range);
        k.quantizeWithRange(xs, q, n, range, 8, symmetric, rounding, 99, params, second);
        equal("pass-1 range", mm, k.readStats(range));
        int[] got = k.readParams(params);
        int[] want = {Float.floatToRawIntBits(p.scale(0)), p.zeroPoint(0), p.lo(0), p.hi(0)};
        check(java.util.Arrays.equals(got, want), "device parameters " + java.util.Arrays.toString(got)
            + " != reference " + java.util.Arrays.toString(want) + " (" + p + ")");
        byte[] levels = new byte[n];
        q.download(levels);
        equal("levels (symmetric " + symmetric + ")", ref, levels);
        equal("pass-2 stats", refStats, k.readStats(second));
      }
    }
  }

  private static void dequantize(Env env) {
    CudaKernels k = env.kernels();
    byte[] q = Checks.int8(new SplittableRandom(4), 10_001, -128, 127);
    float[] ref = QuantizeRef.dequantize(q, 0.0371f, -17);
    try (DeviceScope a = k.device().scope("selftest")) {
      DeviceBuffer dq = a.upload(q);
      DeviceBuffer y = a.floats(q.length);
      k.dequantize(dq, y, q.length, 0.0371f, -17, 1);
      float[] got = new float[q.length];
      y.download(got);
      bitEqual("dequantized", ref, got);
    }
  }

  /** Random operands and an epilogue with every feature switched on. */
  private static GemmEpilogue epilogue(SplittableRandom r, int n, int k, boolean f32, boolean stochastic) {
    float[] scaleB = Checks.uniform(r, n, 0.002f, 0.01f);
    float[] bias = Checks.uniform(r, n, -1f, 1f);
    // y is of order sqrt(k) * 74^2 * 0.02 * 0.006 (> 4 for k >= 20): [0, 2.5] clips the upper tail
    QuantParams out = f32 ? null : QuantParams.perTensor(new QuantGrid(8, false), 0f, 2.5f);
    return new GemmEpilogue(0.02f, scaleB, -5, bias, f32 ? Activation.NONE : Activation.RELU6, out,
        stochastic ? Rounding.STOCHASTIC : Rounding.NEAREST, 777);
  }

  private static void ntGemm(Env env, GemmAlgo algo, int m, int n, int kk, boolean f32) {
    CudaKernels k = env.kernels();
    SplittableRandom r = new SplittableRandom(5 + m);
    byte[] a = Checks.int8(r, m * kk, -128, 127);
    byte[] b = Checks.int8(r, n * kk, -127, 127);
    GemmEpilogue e = epilogue(r, n, kk, f32, algo != GemmAlgo.DP4A);
    byte[] refS8 = new byte[m * n];
    float[] refF32 = new float[m * n];
    QuantStats refStats = GemmRef.gemmNt(a, b, m, n, kk, e, refS8, refF32);
    if (!f32) {
      check(refStats.clipped() > 0, "test data must clip");
    }
    try (DeviceScope ar = k.device().scope("selftest")) {
      DeviceBuffer da = ar.upload(a);
      DeviceBuffer db = ar.upload(b);
      NtEpilogue de = NtEpilogue.upload(k, ar, e, db, n, kk);
      DeviceBuffer outS8 = f32 ? null : ar.bytes((long) m * n);
      DeviceBuffer outF32 = f32 ? ar.floats((long) m * n) : null;
      DeviceBuffer stats = ar.allocate(QuantStats.BYTES);
      k.statsInit(stats, 1);
      k.gemmS8Nt(algo, da, db, m, n, kk, de, outS8, outF32, stats);
      if (f32) {
        float[] got = new float[m * n];
        outF32.download(got);
        bitEqual("fp32 output", refF32, got);
      } else {
        byte[] got = new byte[m * n];
        outS8.download(got);
        equal("int8 output", refS8, got);
      }
      equal("output stats", refStats, k.readStats(stats));
    }
  }

  private static void mmaEqualsDp4a(Env env) {
    CudaKernels k = env.kernels();
    int s = 512;
    SplittableRandom r = new SplittableRandom(6);
    byte[] a = Checks.int8(r, s * s, -128, 127);
    byte[] b = Checks.int8(r, s * s, -127, 127);
    GemmEpilogue e = epilogue(r, s, s, false, false);
    byte[] ref = new byte[s * s];
    QuantStats refStats = GemmRef.gemmNt(a, b, s, s, s, e, ref, null);
    try (DeviceScope ar = k.device().scope("selftest")) {
      DeviceBuffer da = ar.upload(a);
      DeviceBuffer db = ar.upload(b);
      NtEpilogue de = NtEpilogue.upload(k, ar, e, db, s, s);
      for (GemmAlgo algo : new GemmAlgo[] {GemmAlgo.MMA, GemmAlgo.MMA_LDM, GemmAlgo.DP4A}) {
        DeviceBuffer out = ar.bytes((long) s * s);
        DeviceBuffer stats = ar.allocate(QuantStats.BYTES);
        k.statsInit(stats, 1);
        k.gemmS8Nt(algo, da, db, s, s, s, de, out, null, stats);
        byte[] got = new byte[s * s];
        out.download(got);
        equal(algo + " output", ref, got);
        equal(algo + " stats", refStats, k.readStats(stats));
      }
    }
  }

  private static void inputGradient(Env env) {
    CudaKernels k = env.kernels();
    int m = 96;
    int nOut = 80;
    int kIn = 72;
    SplittableRandom r = new SplittableRandom(7);
    byte[] dy = Checks.int8(r, m * nOut, -127, 127);
    byte[] w = Checks.int8(r, nOut * kIn, -127, 127);
    byte[] wt = GemmRef.transpose(w, nOut, kIn); // (kIn, nOut)
    QuantParams gradOut = QuantParams.perTensor(new QuantGrid(8, true), -3f, 3f);
    GemmEpilogue e = new GemmEpilogue(0.001f, new float[] {0.004f}, 0, null, Activation.NONE, gradOut,
        Rounding.STOCHASTIC, 4242);
    byte[] ref = new byte[m * kIn];
    QuantStats refStats = GemmRef.gemmNt(dy, wt, m, kIn, nOut, e, ref, null);
    try (DeviceScope ar = k.device().scope("selftest")) {
      DeviceBuffer ddy = ar.upload(dy);
      DeviceBuffer dw = ar.upload(w);
      DeviceBuffer dwt = ar.bytes((long) kIn * nOut);
      k.transposeS8(dw, nOut, kIn, dwt);
      byte[] gotT = new byte[kIn * nOut];
      dwt.download(gotT);
      equal("W^T", wt, gotT);
      NtEpilogue de = NtEpilogue.upload(k, ar, e, dwt, kIn, nOut);
      DeviceBuffer dx = ar.bytes((long) m * kIn);
      DeviceBuffer stats = ar.allocate(QuantStats.BYTES);
      k.statsInit(stats, 1);
      k.gemmS8Nt(GemmAlgo.AUTO, ddy, dwt, m, kIn, nOut, de, dx, null, stats);
      byte[] got = new byte[m * kIn];
      dx.download(got);
      equal("dX levels", ref, got);
      equal("dX stats", refStats, k.readStats(stats));
    }
  }

  private static void wgrad(Env env, int m, int n, int kk, int zeroPointX, float beta) {
    CudaKernels k = env.kernels();
    SplittableRandom r = new SplittableRandom(8 + m);
    byte[] g = Checks.int8(r, m * n, -127, 127);
    byte[] x = Checks.int8(r, m * kk, -128, 127);
    float[] old = Checks.uniform(r, n * kk, -1f, 1f);
    float[] ref = old.clone();
    GemmRef.wgrad(g, x, m, n, kk, 0.003f, 0.02f, zeroPointX, beta, ref);
    try (DeviceScope ar = k.device().scope("selftest")) {
      DeviceBuffer dg = ar.upload(g);
      DeviceBuffer dx = ar.upload(x);
      DeviceBuffer dw = ar.upload(old);
      k.wgrad(dg, dx, m, n, kk, 0.003f, 0.02f, zeroPointX, beta, dw);
      float[] got = new float[n * kk];
      dw.download(got);
      bitEqual("dW", ref, got);
    }
  }

  private static void rowSum(Env env) {
    CudaKernels k = env.kernels();
    int rows = 1000;
    int cols = 333;
    byte[] in = Checks.int8(new SplittableRandom(9), rows * cols, -128, 127);
    try (DeviceScope ar = k.device().scope("selftest")) {
      DeviceBuffer din = ar.upload(in);
      DeviceBuffer out = ar.ints(rows);
      k.rowSumS8(din, rows, cols, out);
      int[] got = new int[rows];
      out.download(got);
      equal("row sums", GemmRef.rowSum(in, rows, cols), got);
    }
  }

  private static void backendGemm(Env env) {
    SplittableRandom r = new SplittableRandom(10);
    int[][] shapes = {{1, 1, 1}, {37, 53, 29}, {64, 64, 64}, {130, 70, 300}, {5, 200, 17}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0;
        boolean tb = (t & 2) != 0;
        int m = s[0];
        int n = s[1];
        int kk = s[2];
        int lda = (ta ? m : kk) + 3;
        int ldb = (tb ? kk : n) + 1;
        int ldc = n + 2;
        int aOff = 5;
        int bOff = 2;
        int cOff = 7;
        float[] a = Checks.uniform(r, aOff + lda * (ta ? kk : m), -1f, 1f);
        float[] b = Checks.uniform(r, bOff + ldb * (tb ? n : kk), -1f, 1f);
        float[] c0 = Checks.uniform(r, cOff + ldc * m, -1f, 1f);
        for (float beta : new float[] {0f, 1f, 0.5f}) {
          float[] cpuC = c0.clone();
          float[] gpuC = c0.clone();
          env.cpu().gemm(ta, tb, m, n, kk, 1.5f, a, aOff, lda, b, bOff, ldb, beta, cpuC, cOff, ldc);
          env.backend().gemm(ta, tb, m, n, kk, 1.5f, a, aOff, lda, b, bOff, ldb, beta, gpuC, cOff, ldc);
          close("gemm " + Arrays.toString(s) + " transA=" + ta + " transB=" + tb + " beta=" + beta,
              cpuC, gpuC, 1e-4f, 1e-4f);
        }
      }
    }
  }

  private static void backendConv(Env env) {
    ConvGeometry[] geometries = {
      new ConvGeometry(2, 3, 9, 9, 8, 3, 3, 1, 1, 1),
      new ConvGeometry(2, 4, 10, 7, 6, 3, 3, 2, 1, 2),
      new ConvGeometry(2, 6, 8, 8, 12, 3, 3, 1, 1, 6),
      new ConvGeometry(3, 8, 5, 5, 4, 1, 1, 1, 0, 1),
      new ConvGeometry(1, 2, 11, 11, 3, 5, 5, 2, 2, 1),
      new ConvGeometry(4, 16, 16, 16, 32, 3, 3, 1, 1, 1),
    };
    SplittableRandom r = new SplittableRandom(11);
    for (ConvGeometry g : geometries) {
      float[] x = Checks.normal(r, g.inputSize(), 1f);
      float[] w = Checks.normal(r, g.weightSize(), 0.3f);
      boolean withBias = g.groups() != 2;
      float[] bias = withBias ? Checks.normal(r, g.outC(), 0.5f) : null;
      float[] dy = Checks.normal(r, g.outputSize(), 1f);
      float[] yCpu = new float[g.outputSize()];
      float[] yGpu = new float[g.outputSize()];
      env.cpu().conv2dForward(g, x, w, bias, yCpu);
      env.backend().conv2dForward(g, x, w, bias, yGpu);
      close("conv forward " + g, yCpu, yGpu, 1e-4f, 1e-4f);
      float[][] cpu = {new float[g.inputSize()], new float[g.weightSize()], new float[g.outC()]};
      float[][] gpu = {new float[g.inputSize()], new float[g.weightSize()], new float[g.outC()]};
      env.cpu().conv2dBackward(g, x, w, dy, cpu[0], cpu[1], cpu[2]);
      env.backend().conv2dBackward(g, x, w, dy, gpu[0], gpu[1], gpu[2]);
      close("conv dX " + g, cpu[0], gpu[0], 1e-4f, 1e-4f);
      close("conv dW " + g, cpu[1], gpu[1], 1e-4f, 1e-3f);
      close("conv dB " + g, cpu[2], gpu[2], 1e-4f, 1e-3f);
    }
  }

  private static void batchNorm(Env env) {
    CudaKernels k = env.kernels();
    int n = 12; // 12 x 29 x 31 values per channel: 5 segments per channel, the last one short
    int c = 5;
    int h = 29;
    int w = 31;
    int hw = h * w;
    SplittableRandom r = new SplittableRandom(12);
    BatchNorm2d bn = new BatchNorm2d("bn", env.cpu(), c);
    float[] gamma = Checks.uniform(r, c, 0.5f, 1.5f);
    float[] beta = Checks.uniform(r, c, -0.5f, 0.5f);
    System.arraycopy(gamma, 0, bn.gamma().value().data(), 0, c);
    System.arraycopy(beta, 0, bn.beta().value().data(), 0, c);
    for (boolean training : new boolean[] {true, false}) {
      float[] rm0 = bn.runningMean().data().clone();
      float[] rv0 = bn.runningVar().data().clone();
      float[] x = Checks.normal(r, n * c * hw, 2f);
      for (int i = 0; i < x.length; i++) {
        x[i] += 0.7f;
      }
      float[] dy = Checks.normal(r, x.length, 1f);
      Tensor yRef = bn.forward(Tensor.of(x.clone(), n, c, h, w), training);
      Tensor dxRef = bn.backward(Tensor.of(dy.clone(), n, c, h, w));
      try (DeviceScope a = k.device().scope("selftest")) {
        DeviceBuffer dx = a.upload(x);
        DeviceBuffer dg = a.upload(gamma);
        DeviceBuffer db = a.upload(beta);
        DeviceBuffer rm = a.upload(rm0);
        DeviceBuffer rv = a.upload(rv0);
        DeviceBuffer xhat = a.floats(x.length);
        DeviceBuffer y = a.floats(x.length);
        DeviceBuffer invStd = a.floats(c);
        k.batchnormForward(dx, n, c, hw, dg, db, rm, rv, bn.momentum(), bn.eps(), training, xhat, y, invStd);
        float[] got = new float[x.length];
        y.download(got);
        close("bn y (training " + training + ")", yRef.data(), got, 1e-4f, 1e-5f);
        float[] gotRm = new float[c];
        float[] gotRv = new float[c];
        rm.download(gotRm);
        rv.download(gotRv);
        close("running mean", bn.runningMean().data(), gotRm, 1e-5f, 1e-6f);
        close("running var", bn.runningVar().data(), gotRv, 1e-5f, 1e-6f);
        DeviceBuffer ddy = a.upload(dy);
        DeviceBuffer gx = a.floats(x.length);
        DeviceBuffer gg = a.floats(c);
        DeviceBuffer gb = a.floats(c);
        k.batchnormBackward(ddy, xhat, n, c, hw, dg, invStd, training, gx, gg, gb);
        float[] gotDx = new float[x.length];
        gx.download(gotDx);
        close("bn dx", dxRef.data(), gotDx, 1e-4f, 1e-5f);
        float[] gotG = new float[c];
        float[] gotB = new float[c];
        gg.download(gotG);
        gb.download(gotB);
        close("bn dgamma", bn.gamma().grad().data(), gotG, 1e-4f, 1e-4f);
        close("bn dbeta", bn.beta().grad().data(), gotB, 1e-4f, 1e-4f);
      }
    }
  }

  private static void pooling(Env env) {
    CudaKernels k = env.kernels();
    int n = 2;
    int c = 3;
    int h = 11;
    int w = 9;
    SplittableRandom r = new SplittableRandom(13);
    Pool2d[] pools = {
      new Pool2d("max", Pool2d.Kind.MAX, 3, 2, 1), Pool2d.max("max2", 2, 2),
      new Pool2d("avg", Pool2d.Kind.AVG, 3, 2, 1), Pool2d.avg("avg2", 2, 2),
    };
    for (Pool2d pool : pools) {
      float[] x = Checks.normal(r, n * c * h * w, 1f);
      Tensor yRef = pool.forward(Tensor.of(x.clone(), n, c, h, w), true);
      int oh = yRef.dim(2);
      int ow = yRef.dim(3);
      float[] dy = Checks.normal(r, yRef.size(), 1f);
      Tensor dxRef = pool.backward(Tensor.of(dy.clone(), n, c, oh, ow));
      boolean max = pool.kind() == Pool2d.Kind.MAX;
      try (DeviceScope a = k.device().scope("selftest")) {
        DeviceBuffer dx = a.upload(x);
        DeviceBuffer y = a.floats(yRef.size());
        DeviceBuffer arg = a.ints(yRef.size());
        k.pool2dForward(dx, y, arg, n * c, h, w, pool.kernel(), pool.stride(), pool.padding(), oh, ow, max);
        float[] got = new float[yRef.size()];
        y.download(got);
        close(pool.name() + " y", yRef.data(), got, 1e-6f, 1e-6f);
        DeviceBuffer ddy = a.upload(dy);
        DeviceBuffer gx = a.floats(x.length);
        k.pool2dBackward(ddy, arg, gx, n * c, h, w, pool.kernel(), pool.stride(), pool.padding(), oh, ow, max);
        float[] gotDx = new float[x.length];
        gx.download(gotDx);
        close(pool.name() + " dx", dxRef.data(), gotDx, 1e-5f, 1e-6f);
      }
    }
  }

  private static void softmax(Env env) {
    CudaKernels k = env.kernels();
    int n = 37;
    int classes = 100;
    SplittableRandom r = new SplittableRandom(14);
    float[] z = Checks.normal(r, n * classes, 3f);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(classes);
    }
    labels[0] = 0;
    z[0] = 50f; // row 0 predicted correctly
    SoftmaxCrossEntropy ref = new SoftmaxCrossEntropy();
    float lossRef = ref.forward(Tensor.of(z.clone(), n, classes), labels);
    Tensor dRef = ref.backward();
    try (DeviceScope a = k.device().scope("selftest")) {
      DeviceBuffer dz = a.upload(z);
      DeviceBuffer dl = a.upload(labels);
      DeviceBuffer probs = a.floats((long) n * classes);
      DeviceBuffer loss = a.allocate(8L * n);
      DeviceBuffer correct = a.ints(n);
      k.softmaxXentForward(dz, dl, n, classes, probs, loss, correct);
      double[] rows = new double[n];
      loss.download(rows);
      int[] ok = new int[n];
      correct.download(ok);
      double sum = 0;
      int hits = 0;
      for (int i = 0; i < n; i++) {
        sum += rows[i];
        hits += ok[i];
      }
      float lossGot = (float) (sum / n);
      check(Math.abs(lossGot - lossRef) <= 1e-5f * Math.max(1f, Math.abs(lossRef)),
          "loss " + lossGot + " != " + lossRef);
      check(hits == ref.correct(), "correct " + hits + " != " + ref.correct());
      DeviceBuffer grad = a.floats((long) n * classes);
      k.softmaxXentBackward(probs, dl, n, classes, grad);
      float[] got = new float[n * classes];
      grad.download(got);
      close("dlogits", dRef.data(), got, 1e-5f, 1e-7f);
    }
  }

  private static void sgd(Env env) {
    CudaKernels k = env.kernels();
    SplittableRandom r = new SplittableRandom(15);
    int n = 10_007;
    float[] w0 = Checks.normal(r, n, 1f);
    float[][] grads = {Checks.normal(r, n, 0.1f), Checks.normal(r, n, 0.1f), Checks.normal(r, n, 0.1f)};
    double[][] configs = {{0.9, 1, 1e-4}, {0.9, 0, 5e-4}, {0, 0, 0}};
    for (double[] cfg : configs) {
      boolean nesterov = cfg[1] != 0;
      Parameter p = new Parameter("p", Tensor.of(w0.clone(), n));
      Sgd opt = new Sgd(List.of(p), cfg[0], nesterov, cfg[2]);
      try (DeviceScope a = k.device().scope("selftest")) {
        DeviceBuffer dw = a.upload(w0);
        DeviceBuffer dv = cfg[0] == 0 ? null : a.floats(n);
        DeviceBuffer dg = a.floats(n);
        for (int step = 0; step < grads.length; step++) {
          System.arraycopy(grads[step], 0, p.grad().data(), 0, n);
          opt.step(0.05);
          dg.upload(grads[step]);
          k.sgdUpdate(dw, dg, dv, n, 0.05f, (float) cfg[0], nesterov, (float) cfg[2], step == 0, null);
        }
        float[] got = new float[n];
        dw.download(got);
        bitEqual("weights after 3 steps " + Arrays.toString(cfg), p.value().data(), got);
      }
    }
  }

  /**
   * The segmented update over 10 007 parameters: 100 unrecorded, 7 channels of 300 (slots 0-6), a
   * tensor of 5 000 in two segments recording into one slot (7), the rest unrecorded; three steps
   * then a skipped one (the statistics of the unchanged weights). Weights bit-equal to {@link Sgd},
   * every slot's min, max and non-finite count equal to the new weights'.
   */
  private static void sgdStats(Env env) {
    CudaKernels k = env.kernels();
    SplittableRandom r = new SplittableRandom(16);
    int n = 10_007;
    float[] w0 = Checks.normal(r, n, 1f);
    long[] start = {0, 100, 400, 700, 1000, 1300, 1600, 1900, 2200, 6296, 7200, n};
    int[] slot = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 7, -1};
    int slots = 8;
    Parameter p = new Parameter("p", Tensor.of(w0.clone(), n));
    Sgd opt = new Sgd(List.of(p), 0.9, true, 1e-4);
    try (DeviceScope a = k.device().scope("selftest")) {
      DeviceBuffer dw = a.upload(w0);
      DeviceBuffer dv = a.floats(n);
      DeviceBuffer dg = a.floats(n);
      DeviceBuffer skip = a.ints(1);
      DeviceBuffer starts = a.allocate(8L * start.length, "segment starts");
      starts.upload(start);
      SgdSegments segs = new SgdSegments(starts, a.upload(slot, "segment slots"), slot.length, n, 9);
      DeviceBuffer stats = a.allocate((long) QuantStats.BYTES * slots, "stats");
      for (int step = 0; step < 4; step++) {
        boolean skipped = step == 3;
        float[] g = Checks.normal(r, n, 0.1f);
        if (!skipped) {
          System.arraycopy(g, 0, p.grad().data(), 0, n);
          opt.step(0.05);
        }
        dg.upload(g);
        skip.upload(new int[] {skipped ? 1 : 0});
        k.statsInit(stats, slots);
        k.sgdUpdateStats(dw, dg, dv, 0.05f, 0.9f, true, 1e-4f, step == 0, skip, segs, stats);
        float[] got = new float[n];
        dw.download(got);
        bitEqual("weights after step " + step, p.value().data(), got);
        for (int s = 0; s < slots; s++) {
          float min = Float.POSITIVE_INFINITY;
          float max = Float.NEGATIVE_INFINITY;
          for (int seg = 0; seg < slot.length; seg++) {
            for (int i = (int) start[seg]; slot[seg] == s && i < start[seg + 1]; i++) {
              min = Math.min(min, got[i]);
              max = Math.max(max, got[i]);
            }
          }
          QuantStats st = k.readStats(stats.slice((long) QuantStats.BYTES * s, QuantStats.BYTES));
          check(st.min() == min && st.max() == max && st.nonFinite() == 0 && st.clipped() == 0,
              "step " + step + " slot " + s + ": recorded [" + st.min() + ", " + st.max() + "], the weights ["
                  + min + ", " + max + "]");
        }
      }
    }
  }
}

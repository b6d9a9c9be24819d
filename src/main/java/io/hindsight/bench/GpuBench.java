package io.hindsight.bench;

import io.hindsight.cuda.CudaDevice;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.CudaRuntime;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.cuda.GemmAlgo;
import io.hindsight.cuda.GpuTimer;
import io.hindsight.cuda.NtEpilogue;
import io.hindsight.cuda.QuantStats;
import io.hindsight.cuda.TrafficCounter;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The {@code bench gpu} suite: in-hindsight (static, one pass) versus dynamic (two pass)
 * quantization on the same GPU, the INT8 tensor-core GEMM with its fused epilogue, and one
 * quantized linear layer, as a table (same columns as bench/torch_peer.py):
 * <pre>
 *   benchmark | shape | ms | MB moved | GB/s | % of copy | TOPS
 * </pre>
 * "MB moved" is the compulsory traffic of the launches in one run, summed by the
 * {@code TrafficCounter} from their arguments; GB/s = MB moved / ms; "% of copy" compares that
 * with a device-to-device copy. Times are CUDA-event medians. Without a GPU it prints
 * {@code no GPU: <reason>} and returns normally.
 *
 * <p>Usage: {@code GpuBench [--out FILE] [--quick]} ({@code --quick}: smaller sizes).
 */
public final class GpuBench {
  private static final String FORMAT = "%-44s %-22s %10s %10s %9s %9s %8s%n";

  private final CudaDevice device;
  private final CudaKernels kernels;
  private final TrafficCounter traffic;
  private final GpuTimer timer;
  private final boolean quick;
  private final List<String> rows = new ArrayList<>();
  private double copyGbs = Double.NaN;

  private GpuBench(CudaDevice device, boolean quick) {
    this.device = device;
    this.traffic = new TrafficCounter();
    this.kernels = new CudaKernels(device, traffic);
    this.timer = new GpuTimer(device.context());
    this.quick = quick;
  }

  public static void main(String[] args) throws IOException {
    Path out = null;
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        out = Path.of(args[++i]);
      } else if (args[i].equals("--quick")) {
        quick = true;
      } else {
        throw new IllegalArgumentException("usage: GpuBench [--out FILE] [--quick]; unknown argument " + args[i]);
      }
    }
    String table = run(quick);
    System.out.print(table);
    if (out != null) {
      Files.writeString(out, table, StandardCharsets.UTF_8);
    }
  }

  /** Runs the suite and returns the table (or the "no GPU" line). */
  public static String run(boolean quick) {
    CudaRuntime.Availability a = CudaRuntime.availability();
    if (!a.available()) {
      return "no GPU: " + a.reason() + System.lineSeparator();
    }
    try (CudaDevice device = CudaDevice.open()) {
      GpuBench b = new GpuBench(device, quick);
      try {
        return b.suite();
      } finally {
        b.timer.close();
      }
    }
  }

  private String suite() {
    copyBandwidth();
    quantization();
    int s = quick ? 2048 : 8192;
    int8Gemm(s, s, s, GemmAlgo.MMA);
    int8Gemm(s, s, s, GemmAlgo.MMA_LDM);
    int8Gemm(quick ? 1024 : 4096, quick ? 1024 : 4096, quick ? 1024 : 4096, GemmAlgo.DP4A);
    linearLayer(quick ? 2048 : 16384, quick ? 1024 : 1024, quick ? 1024 : 4096);
    mlpTrainingStep(quick ? 2048 : 16384, 1024, quick ? 1024 : 4096);
    long[] mem = device.context().memoryInfo();
    StringBuilder sb = new StringBuilder();
    sb.append("# hindsight bench gpu: ").append(device.name()).append(System.lineSeparator());
    sb.append(String.format(Locale.ROOT, FORMAT, "benchmark", "shape", "ms", "MB moved", "GB/s", "% copy", "TOPS"));
    rows.forEach(sb::append);
    sb.append(String.format(Locale.ROOT, "peak device memory: %.1f MiB allocated by the suite (device: %.0f of %.0f MiB in use"
        + " now)%n", device.counters().peakBytes() / 1048576.0, (mem[1] - mem[0]) / 1048576.0, mem[1] / 1048576.0));
    return sb.toString();
  }

  /** Times {@code body}, counts the traffic of one run, adds a row. */
  private double row(String name, String shape, Runnable body, int iterations, double ops) {
    traffic.reset();
    body.run();
    device.synchronize();
    long bytes = traffic.bytesMoved();
    double ms = timer.medianMillis(body, 2, iterations);
    double gbs = bytes / (ms * 1e6);
    String pct = Double.isNaN(copyGbs) ? "100.0" : String.format(Locale.ROOT, "%.1f", 100 * gbs / copyGbs);
    String tops = ops > 0 ? String.format(Locale.ROOT, "%.1f", ops / (ms * 1e9)) : "-";
    rows.add(String.format(Locale.ROOT, FORMAT, name, shape, String.format(Locale.ROOT, "%.3f", ms),
        String.format(Locale.ROOT, "%.1f", bytes / 1e6), String.format(Locale.ROOT, "%.0f", gbs), pct, tops));
    return ms;
  }

  private void copyBandwidth() {
    long bytes = quick ? 256L << 20 : 1L << 30;
    try (DeviceScope a = device.scope("bench")) {
      DeviceBuffer src = a.allocate(bytes);
      DeviceBuffer dst = a.allocate(bytes);
      traffic.reset();
      double ms = row("copy device-to-device", (bytes >> 20) + " MiB", () -> kernels.copy(src, dst, bytes), 20, 0);
      copyGbs = 2.0 * bytes / (ms * 1e6);
    }
  }

  private void quantization() {
    long n = quick ? 1L << 26 : 1L << 28; // 256 MiB / 1 GiB of FP32
    String shape = (n >> 20) + "M fp32 -> int8";
    try (DeviceScope a = device.scope("bench")) {
      DeviceBuffer x = a.floats(n);
      DeviceBuffer q = a.bytes(n);
      DeviceBuffer stats = a.allocate(2L * QuantStats.BYTES);
      DeviceBuffer range = stats.slice(0, QuantStats.BYTES);
      DeviceBuffer params = a.ints(4);
      fillNormal(kernels, x, n);
      QuantParams p = QuantParams.perTensor(new QuantGrid(8, false), -6f, 6f);
      double tStatic = row("quantize static+stats, 1 pass (hindsight)", shape, () -> {
        kernels.statsInit(stats, 1);
        kernels.quantizeStatic(x, q, n, p, Rounding.NEAREST, 0, stats);
      }, 20, 0);
      double tSr = row("quantize static+stats, stochastic rounding", shape, () -> {
        kernels.statsInit(stats, 1);
        kernels.quantizeStatic(x, q, n, p, Rounding.STOCHASTIC, 7, stats);
      }, 20, 0);
      double tDynamic = row("quantize dynamic, 2 pass (minmax+quantize)", shape, () -> {
        kernels.statsInit(range, 1);
        kernels.minmaxReduce(x, n, range);
        kernels.quantizeWithRange(x, q, n, range, 8, false, Rounding.NEAREST, 0, params, null);
      }, 20, 0);
      rows.add(String.format(Locale.ROOT, "  -> static is %.2fx faster than dynamic (stochastic: %.2fx)%n",
          tDynamic / tStatic, tDynamic / tSr));
    }
  }

  private void int8Gemm(int m, int n, int k, GemmAlgo algo) {
    try (DeviceScope a = device.scope("bench")) {
      GemmOperands g = GemmOperands.random(kernels, a, m, n, k, 1e-4f, 2);
      DeviceBuffer out = a.bytes((long) m * n);
      DeviceBuffer stats = a.allocate(QuantStats.BYTES);
      NtEpilogue e = g.epilogue(0.01f, true);
      row("int8 GEMM " + algo.name().toLowerCase(Locale.ROOT) + " + fused epilogue (requant+stats)",
          m + "x" + n + "x" + k, () -> {
            kernels.statsInit(stats, 1);
            kernels.gemmS8Nt(algo, g.x(), g.w(), m, n, k, e, out, null, stats);
          }, algo == GemmAlgo.DP4A ? 3 : 10, 2.0 * m * n * k);
    }
  }

  /** y (m, out) = x (m, in) W^T (in, out), bias + ReLU, int8 output: static vs dynamic. */
  private void linearLayer(int m, int in, int out) {
    try (DeviceScope a = device.scope("bench")) {
      GemmOperands g = GemmOperands.random(kernels, a, m, out, in, 2e-4f, 3);
      DeviceBuffer y8 = a.bytes((long) m * out);
      DeviceBuffer y32 = a.floats((long) m * out);
      DeviceBuffer stats = a.allocate(QuantStats.BYTES);
      DeviceBuffer params = a.ints(4);
      String shape = m + "x" + in + " * " + in + "x" + out;
      double ops = 2.0 * m * in * out;
      NtEpilogue quantized = g.epilogue(0.02f, true);
      NtEpilogue fp32 = g.epilogue(0.02f, false);
      row("linear fwd static, gemm_s8_nt_mma (no ldmatrix)", shape, () -> {
        kernels.statsInit(stats, 1);
        kernels.gemmS8Nt(GemmAlgo.MMA, g.x(), g.w(), m, out, in, quantized, y8, null, stats);
      }, 10, ops);
      double tStatic = row("linear fwd static: GEMM->int8+stats (1 kernel)", shape, () -> {
        kernels.statsInit(stats, 1);
        kernels.gemmS8Nt(GemmAlgo.AUTO, g.x(), g.w(), m, out, in, quantized, y8, null, stats);
      }, 10, ops);
      double tDynamic = row("linear fwd dynamic: GEMM->fp32, minmax, quant", shape, () -> {
        kernels.statsInit(stats, 1);
        kernels.gemmS8Nt(GemmAlgo.AUTO, g.x(), g.w(), m, out, in, fp32, null, y32, null);
        kernels.minmaxReduce(y32, (long) m * out, stats);
        kernels.quantizeWithRange(y32, y8, (long) m * out, stats, 8, false, Rounding.NEAREST, 0, params, null);
      }, 10, ops);
      rows.add(String.format(Locale.ROOT, "  -> static is %.2fx faster than dynamic%n", tDynamic / tStatic));
    }
  }

  /**
   * One fully quantized training step of a 2-layer MLP block ({@link QuantizedMlpStep}), static vs
   * dynamic ranges: step time, traffic, and the device memory each scheme's step needs.
   */
  private void mlpTrainingStep(int m, int width, int hidden) {
    try (DeviceScope shared = device.scope("bench")) {
      SplittableRandom r = new SplittableRandom(4);
      byte[] hx = new byte[m * width];
      byte[] hdy = new byte[m * width];
      r.nextBytes(hx);
      r.nextBytes(hdy);
      float[] hw = new float[hidden * width];
      DeviceBuffer x = shared.upload(hx);
      DeviceBuffer dY = shared.upload(hdy);
      for (int i = 0; i < hw.length; i++) {
        hw[i] = (float) (0.05 * r.nextGaussian());
      }
      DeviceBuffer w1 = shared.upload(hw);
      for (int i = 0; i < hw.length; i++) {
        hw[i] = (float) (0.05 * r.nextGaussian());
      }
      DeviceBuffer w2 = shared.upload(hw);
      DeviceBuffer scale = shared.upload(new float[] {0.01f});
      String shape = m + "x" + width + " -> " + hidden + " -> " + width;
      double ops = 3 * 2 * 2.0 * m * width * hidden; // 2 layers x (forward, input grad, weight grad)
      double[] ms = new double[2];
      long[] mem = new long[2];
      for (int v = 0; v < 2; v++) {
        boolean dynamic = v == 1;
        try (DeviceScope a = device.scope("bench")) {
          QuantizedMlpStep step = new QuantizedMlpStep(kernels, a::allocate, dynamic, m, width, hidden, x, dY, w1, w2,
              scale);
          mem[v] = a.allocatedBytes();
          ms[v] = row(dynamic ? "int8 MLP train step, dynamic ranges" : "int8 MLP train step, in-hindsight ranges",
              shape, step::run, 10, ops);
        }
      }
      long inputs = shared.allocatedBytes();
      rows.add(String.format(Locale.ROOT, "  -> static step is %.2fx faster than dynamic; device memory of the step:"
          + " %.1f MiB static vs %.1f MiB dynamic (+ %.1f MiB shared inputs and weights)%n",
          ms[1] / ms[0], mem[0] / 1048576.0, mem[1] / 1048576.0, inputs / 1048576.0));
    }
  }

  /**
   * Fills {@code x} (n floats) with N(0, 2) data: a 16M-float block uploaded, then repeated by
   * device-to-device copies (no kernel launches).
   */
  static void fillNormal(CudaKernels kernels, DeviceBuffer x, long n) {
    int block = (int) Math.min(n, 1 << 24);
    float[] host = new float[block];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < block; i++) {
      host[i] = (float) (2 * r.nextGaussian());
    }
    x.upload(host);
    for (long off = block; off < n; off += block) {
      long len = Math.min(block, n - off);
      kernels.copy(x, x.slice(4 * off, 4 * len), 4 * len);
    }
  }

  /** Prints the suite to {@code out}; the CLI's {@code bench gpu} entry point. */
  public static void print(PrintStream out, boolean quick) {
    out.print(run(quick));
  }
}

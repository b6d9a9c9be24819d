package io.hindsight.cli;

import io.hindsight.backend.CpuBackend;
import io.hindsight.util.Rng;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;

/** {@code hindsight bench}: throughput benchmarks (printed, not asserted). */
final class BenchCommand {
  static final String USAGE = """
      usage: hindsight bench <suite> [options]
        gemm         FP32 GEMM GFLOP/s of the CPU backend   [--size N] [--threads N]
        train-step   training steps/s of our CPU engine vs DJL/libtorch on the same batch
                     [--model cnn|resnet20|mlp|mobilenetv2] [--batch N] [--iters N] [--rounds 3]
                     [--threads N]  (alternating rounds, median of each engine)
        quant-step   FP32 vs INT8 (hindsight-minmax, current-minmax) step time and traffic per step/epoch
                     [--model resnet20] [--batch 128] [--iters N] [--epoch-examples 60000]
                     [--backend cpu|cuda|cuda-sim|auto] [--threads N]
        gpu          the GPU suite (copy bandwidth, quantize static vs dynamic, INT8 GEMM, layer)  [--quick]
        device-step  FP32 device-resident training samples/s on a CUDA backend (peer: bench/torch_train_peer.py)
                     [--model resnet20|mobilenetv2|cnn|mlp] [--batch 128] [--warmup 3] [--iters 30]
                     [--backend cuda|cuda-sim]
      """;

  private BenchCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) {
    if (argv.length == 0 || "--help".equals(argv[0])) {
      out.print(USAGE);
      return argv.length == 0 ? 2 : 0;
    }
    String suite = argv[0];
    String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
    Args a = Args.parse(rest, Set.of("size", "threads", "iters", "model", "batch", "warmup", "epoch-examples", "backend", "rounds"), Set.of("quick"));
    int threads = a.intValue("threads", CpuBackend.defaultThreads());
    switch (suite) {
      case "gemm" -> gemm(a.intValue("size", 512), threads, a.intValue("iters", 10), out);
      case "train-step" -> io.hindsight.bench.TrainStepBenchmark.run(a.get("model", "cnn"), a.intValue("batch", 128),
          a.intValue("warmup", 5), a.intValue("iters", 20), a.intValue("rounds", 3), threads, out);
      case "quant-step" -> {
        try (io.hindsight.backend.Backend backend = io.hindsight.backend.Backends.create(a.get("backend", "cpu"), threads)) {
          io.hindsight.bench.QuantStepBenchmark.run(a.get("model", "resnet20"), a.intValue("batch", 128),
              a.intValue("warmup", 2), a.intValue("iters", 5), backend, a.intValue("epoch-examples", 60000), out);
        }
      }
      case "gpu" -> io.hindsight.bench.GpuBench.print(out, a.flag("quick"));
      case "device-step" -> io.hindsight.bench.DeviceStepBenchmark.run(a.get("model", "resnet20"),
          a.intValue("batch", 128), a.intValue("warmup", 3), a.intValue("iters", 30), a.get("backend", "cuda"), out);
      default -> throw new Args.UsageException("unknown bench suite '" + suite + "'\n" + USAGE);
    }
    return 0;
  }

  private static void gemm(int n, int threads, int iters, PrintStream out) {
    try (CpuBackend be = new CpuBackend(threads)) {
      gemm(be, n, iters, out);
    }
  }

  private static void gemm(CpuBackend be, int n, int iters, PrintStream out) {
    out.println("CPU GEMM tile: " + io.hindsight.backend.SimdSupport.describe());
    Rng rng = new Rng(1);
    float[] a = new float[n * n];
    float[] b = new float[n * n];
    float[] c = new float[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rng.nextFloat() - 0.5f;
      b[i] = rng.nextFloat() - 0.5f;
    }
    for (boolean[] t : new boolean[][] {{false, false}, {false, true}, {true, false}}) {
      for (int w = 0; w < 3; w++) {
        be.gemm(t[0], t[1], n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < iters; i++) {
        be.gemm(t[0], t[1], n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
      }
      double s = (System.nanoTime() - t0) / 1e9 / iters;
      out.printf(Locale.ROOT, "gemm %s%s %dx%dx%d, %d threads: %.2f ms, %.1f GFLOP/s%n", t[0] ? "T" : "N",
          t[1] ? "T" : "N", n, n, n, be.threads(), s * 1e3, 2.0 * n * n * n / s / 1e9);
    }
  }
}

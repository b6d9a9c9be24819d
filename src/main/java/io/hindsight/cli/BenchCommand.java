package io.hindsight.cli;

import io.hindsight.backend.CpuBackend;
import io.hindsight.util.Rng;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight bench <suite>}: throughput benchmarks (printed, not asserted), one subcommand
 * per suite.
 */
@Command(name = "bench", sortOptions = false, synopsisSubcommandLabel = "<suite>",
    description = "Benchmarks, printed, not asserted (see: hindsight bench <suite> --help).",
    subcommands = {BenchCommand.Gemm.class, BenchCommand.TrainStep.class, BenchCommand.QuantStep.class,
        BenchCommand.Gpu.class, BenchCommand.DeviceStep.class})
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  HelpOption help;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "bench needs a suite: gemm, train-step, quant-step, gpu or device-step");
  }

  /** The CPU thread count of a benchmark. */
  static final class Threads {
    @Option(names = "--threads", paramLabel = "N", order = 90, description = "CPU threads (default: all cores)")
    Integer threads;

    int get() {
      return threads != null ? threads : CpuBackend.defaultThreads();
    }
  }

  @Command(name = "gemm", sortOptions = false, description = "FP32 GEMM GFLOP/s of the CPU backend (NN, NT, TN).")
  static final class Gemm implements Callable<Integer> {
    private final PrintStream out;

    Gemm(PrintStream out, PrintStream err) {
      this.out = out;
    }

    @Option(names = "--size", paramLabel = "N", order = 1, defaultValue = "512",
        description = "matrix size N (N x N x N products; default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--iters", paramLabel = "N", order = 2, defaultValue = "10",
        description = "timed products per layout (default ${DEFAULT-VALUE})")
    int iters;

    @Mixin
    Threads threads;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() {
      gemm(size, threads.get(), iters, out);
      return 0;
    }
  }

  @Command(name = "train-step", sortOptions = false,
      description = "Training samples/s of our CPU engine and of DJL/libtorch on the same batch in the same run "
          + "(alternating rounds of --iters steps, median of each engine), and their ratio.")
  static final class TrainStep implements Callable<Integer> {
    private final PrintStream out;

    TrainStep(PrintStream out, PrintStream err) {
      this.out = out;
    }

    @Option(names = "--model", paramLabel = "ARCH", order = 1, defaultValue = "cnn",
        completionCandidates = Architectures.class,
        description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", paramLabel = "N", order = 2, defaultValue = "128",
        description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--warmup", paramLabel = "N", order = 3, defaultValue = "5",
        description = "untimed steps per engine first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iters", paramLabel = "N", order = 4, defaultValue = "20",
        description = "timed steps per round (default ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--rounds", paramLabel = "N", order = 5, defaultValue = "3",
        description = "rounds per engine, alternating (default ${DEFAULT-VALUE})")
    int rounds;

    @Mixin
    Threads threads;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
      io.hindsight.bench.TrainStepBenchmark.run(model, batch, warmup, iters, rounds, threads.get(),
          out);
      return 0;
    }
  }

  @Command(name = "quant-step", sortOptions = false,
      description = "Step time of the same model and batch in FP32, INT8 in-hindsight (hindsight-minmax) and INT8 "
          + "current min-max, interleaved in one run, and the memory traffic per step and per epoch of each scheme.")
  static final class QuantStep implements Callable<Integer> {
    private final PrintStream out;

    QuantStep(PrintStream out, PrintStream err) {
      this.out = out;
    }

    @Option(names = "--model", paramLabel = "ARCH", order = 1, defaultValue = "resnet20",
        completionCandidates = Architectures.class,
        description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", paramLabel = "N", order = 2, defaultValue = "128",
        description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--warmup", paramLabel = "N", order = 3, defaultValue = "2",
        description = "untimed steps per scheme first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iters", paramLabel = "N", order = 4, defaultValue = "5",
        description = "timed steps per scheme (default ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--epoch-examples", paramLabel = "N", order = 5, defaultValue = "60000",
        description = "examples per epoch for the per-epoch traffic (default ${DEFAULT-VALUE})")
    int epochExamples;

    @Option(names = "--backend", paramLabel = "BACKEND", order = 6, defaultValue = "cpu",
        completionCandidates = Backends.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String backend;

    @Mixin
    Threads threads;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
      try (io.hindsight.backend.Backend be = io.hindsight.backend.Backends.create(backend, threads.get())) {
        io.hindsight.bench.QuantStepBenchmark.run(model, batch, warmup, iters, be, epochExamples,
            out);
      }
      return 0;
    }
  }

  @Command(name = "gpu", sortOptions = false,
      description = "The GPU suite: copy bandwidth, quantize static vs dynamic, INT8 GEMMs, a quantized linear layer "
          + "and an INT8 MLP training step, static vs dynamic (prints `no GPU: <reason>` without one).")
  static final class Gpu implements Callable<Integer> {
    private final PrintStream out;

    Gpu(PrintStream out, PrintStream err) {
      this.out = out;
    }

    @Option(names = "--quick", description = "smaller sizes and fewer repetitions")
    boolean quick;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
      io.hindsight.bench.GpuBench.print(out, quick);
      return 0;
    }
  }

  @Command(name = "device-step", sortOptions = false,
      description = "Device-resident training samples/s on a CUDA backend, FP32 or fused INT8 (the FP32 "
          + "PyTorch peer: bench/torch_train_peer.py).")
  static final class DeviceStep implements Callable<Integer> {
    private final PrintStream out;

    DeviceStep(PrintStream out, PrintStream err) {
      this.out = out;
    }

    @Option(names = "--model", paramLabel = "ARCH", order = 1, defaultValue = "resnet20",
        completionCandidates = Architectures.class,
        description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", paramLabel = "N", order = 2, defaultValue = "128",
        description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--warmup", paramLabel = "N", order = 3, defaultValue = "3",
        description = "untimed steps first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iters", paramLabel = "N", order = 4, defaultValue = "30",
        description = "timed steps (default ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--backend", paramLabel = "DEVICE_BACKEND", order = 5, defaultValue = "cuda",
        completionCandidates = DeviceBackends.class,
        description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--quant", paramLabel = "ESTIMATOR", order = 6,
        completionCandidates = SpecOptions.EstimatorNames.class,
        description = "train INT8 with this estimator for activations and gradients: ${COMPLETION-CANDIDATES} "
            + "(default: FP32)")
    String quant;

    @Option(names = "--counted", paramLabel = "FILE", order = 7,
        description = "write each kernel's counted bytes over the timed steps to FILE (CSV, for "
            + "bench/ncu_compare.py); the timed steps are the profiler range (ncu --profile-from-start off)")
    java.nio.file.Path counted;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
      io.hindsight.bench.DeviceStepBenchmark.run(model, batch, warmup, iters, backend, quant, counted, out);
      return 0;
    }
  }

  /** The backends with a device, for help and completion. */
  static final class DeviceBackends implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("cuda", "cuda-sim").iterator();
    }
  }

  /** Architecture names, for help and completion. */
  static final class Architectures implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return new java.util.TreeSet<>(io.hindsight.model.ModelFactory.ARCHITECTURES).iterator();
    }
  }

  /** Backend names, for help and completion. */
  static final class Backends implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return new java.util.TreeSet<>(io.hindsight.spec.JobSpecs.BACKENDS).iterator();
    }
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

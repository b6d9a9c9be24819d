package io.hindsight.bench;

import io.hindsight.backend.CpuBackend;
import io.hindsight.djl.DjlModel;
import io.hindsight.djl.TorchRuntime;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Training-step throughput of our CPU engine against libtorch (through {@link DjlModel}) on the
 * same model (seed 42, width 1.0, no dropout), the same random Fashion-MNIST-shaped batch
 * ({@code 1x28x28}, 10 classes) and the same thread count, measured in the same process so that
 * both see the same machine load. A step is forward, mean cross-entropy, backward and an SGD
 * update (momentum 0.9, weight decay 5e-4).
 */
public final class TrainStepBenchmark {
  private static final int[] INPUT = {1, 28, 28};
  private static final int CLASSES = 10;
  private static final long MODEL_SEED = 42;
  private static final double LR = 0.01;
  private static final double MOMENTUM = 0.9;
  private static final double WEIGHT_DECAY = 5e-4;

  private TrainStepBenchmark() {}

  /**
   * What one benchmark run measured.
   *
   * @param oursSamplesPerSecond our engine's training throughput
   * @param torchSamplesPerSecond libtorch's training throughput
   * @param torchRuntime libtorch version and the thread counts it actually used
   */
  public record Result(
      String arch, int batch, int iterations, int threads, double oursSamplesPerSecond,
      double torchSamplesPerSecond, String torchRuntime) {

    /** Our throughput divided by libtorch's (above 1: we are faster). */
    public double ratio() {
      return oursSamplesPerSecond / torchSamplesPerSecond;
    }
  }

  /** One round of {@link #run(String, int, int, int, int, int, PrintStream)}. */
  public static Result run(String arch, int batch, int warmup, int iters, int threads, PrintStream out) {
    return run(arch, batch, warmup, iters, 1, threads, out);
  }

  /**
   * Times {@code rounds} alternating rounds of {@code iters} training steps of each engine (libtorch,
   * then ours), after {@code warmup} untimed ones, prints every round and returns the median rate
   * of each engine. Alternating rounds let both engines see the same drift in machine load, which
   * on a shared VM moves a single measurement by tens of percent.
   */
  public static Result run(String arch, int batch, int warmup, int iters, int rounds, int threads, PrintStream out) {
    if (batch <= 0 || warmup < 0 || iters <= 0 || rounds <= 0 || threads <= 0) {
      throw new IllegalArgumentException("batch, iters, rounds and threads must be positive and warmup >= 0; got batch="
          + batch + " warmup=" + warmup + " iters=" + iters + " rounds=" + rounds + " threads=" + threads);
    }
    TorchRuntime.engine(threads);
    double[] torchRates = new double[rounds];
    double[] oursRates = new double[rounds];
    String runtime;
    try (CpuBackend backend = new CpuBackend(threads)) {
      Model ours = new ModelFactory(backend, QuantHooksProvider.NONE, new Rng(0))
          .build(arch, 1.0, 0.0, INPUT, CLASSES, new Rng(MODEL_SEED));
      Rng data = new Rng(MODEL_SEED + 1);
      float[] images = new float[batch * INPUT[0] * INPUT[1] * INPUT[2]];
      for (int i = 0; i < images.length; i++) {
        images[i] = data.nextFloat();
      }
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = data.nextInt(CLASSES);
      }
      out.printf(Locale.ROOT, "train-step benchmark: %s, %d parameters, batch %d, %d warmup + %d rounds of %d timed steps,"
          + " %d threads%n", arch, ours.parameterCount(), batch, warmup, rounds, iters, threads);
      out.printf(Locale.ROOT, "  ours: %s%n", backend.device());

      try (DjlModel torch = new DjlModel(ours, MOMENTUM, false, WEIGHT_DECAY)) { // copies the weights before we train
        runtime = TorchRuntime.describe();
        Sgd sgd = new Sgd(ours.parameters(), MOMENTUM, false, WEIGHT_DECAY);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Tensor x = Tensor.of(images, batch, INPUT[0], INPUT[1], INPUT[2]);
        for (int i = 0; i < warmup; i++) {
          torch.trainStep(images, labels, batch, LR);
          oursStep(ours, sgd, loss, x, labels);
        }
        for (int r = 0; r < rounds; r++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < iters; i++) {
            torch.trainStep(images, labels, batch, LR);
          }
          torchRates[r] = rate(batch, iters, System.nanoTime() - t0);
          t0 = System.nanoTime();
          for (int i = 0; i < iters; i++) {
            oursStep(ours, sgd, loss, x, labels);
          }
          oursRates[r] = rate(batch, iters, System.nanoTime() - t0);
          if (rounds > 1) {
            out.printf(Locale.ROOT, "  round %d: hindsight %.1f, libtorch %.1f samples/s (%.3f)%n", r + 1, oursRates[r],
                torchRates[r], oursRates[r] / torchRates[r]);
          }
        }
      }
    }

    Result r = new Result(arch, batch, iters, threads, median(oursRates), median(torchRates), runtime);
    String of = rounds > 1 ? " (median of " + rounds + " rounds)" : "";
    out.printf(Locale.ROOT, "  hindsight cpu : %10.1f samples/s%s%n", r.oursSamplesPerSecond(), of);
    out.printf(Locale.ROOT, "  libtorch (DJL): %10.1f samples/s%s  [%s]%n", r.torchSamplesPerSecond(), of, runtime);
    out.printf(Locale.ROOT, "  ours/libtorch : %10.3f%n", r.ratio());
    return r;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static void oursStep(Model model, Sgd sgd, SoftmaxCrossEntropy loss, Tensor x, int[] labels) {
    Tensor logits = model.forward(x, true);
    loss.forward(logits, labels);
    model.backward(loss.backward());
    sgd.step(LR);
  }

  private static double rate(int batch, int iters, long nanos) {
    return (double) batch * iters / (nanos / 1e9);
  }
}

package io.hindsight.bench;

import io.hindsight.backend.CpuBackend;
import io.hindsight.cuda.CudaDevice;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.CudaRuntime;
import io.hindsight.data.Batch;
import io.hindsight.device.Device;
import io.hindsight.device.MirrorDevice;
import io.hindsight.device.sim.SoftwareDevice;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.train.DeviceStepEngine;
import io.hindsight.util.Rng;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The step trace: one device-resident training step of each model on a device and on the software
 * device at once ({@link MirrorDevice}), same initial weights and batch, comparing every kernel's
 * outputs; prints, per model, how many launches were identical, which were within their stated
 * tolerance, and the first kernel that diverged. On a GPU host it validates every kernel of a real
 * training step against its reference; elsewhere ({@code --reference-only}) it runs the software
 * device against itself (a check of the tool). Exit status 1 when a kernel diverged.
 *
 * <p>Usage: {@code StepTrace [--models mlp,cnn,resnet20,mobilenetv2] [--batch 32] [--reference-only]}
 */
public final class StepTrace {
  /** Kernels whose references are not bit-exact (double exp/log may differ in the last bit), and their bound. */
  public static final Set<String> TOLERANCE_KERNELS = Set.of("softmax_xent_fwd");
  public static final int TOLERANCE_ULPS = 4;

  private StepTrace() {}

  /** The outcome for one model. */
  public record Result(String model, long launches, long identical, List<String> tolerated,
      List<MirrorDevice.Divergence> divergences) {}

  /** One training step of {@code arch} (width 1, batch {@code batch}) mirrored on {@code primary} and {@code reference}. */
  public static Result trace(String arch, int batch, Device primary, Device reference) {
    MirrorDevice mirror = new MirrorDevice(primary, reference, TOLERANCE_KERNELS, TOLERANCE_ULPS);
    try (CpuBackend host = new CpuBackend(1)) {
      Model model = new ModelFactory(host, QuantHooksProvider.NONE, new Rng(3)).build(arch, 1.0, 0,
          new int[] {1, 28, 28}, 10, new Rng(11));
      Sgd sgd = new Sgd(model.parameters(), 0.9, false, 5e-4);
      Rng r = new Rng(5);
      float[] x = new float[batch * 28 * 28];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextGaussian() * 0.8);
      }
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = r.nextInt(10);
      }
      try (DeviceStepEngine engine = new DeviceStepEngine(model, sgd, new CudaKernels(mirror), 0.9, false, 5e-4)) {
        engine.trainStep(new Batch(Tensor.of(x, batch, 1, 28, 28), labels), 0.05);
        engine.trainStep(new Batch(Tensor.of(x, batch, 1, 28, 28), labels), 0.05); // the momentum path too
      }
    }
    return new Result(arch, mirror.launches(), mirror.identicalLaunches(), mirror.tolerated(), mirror.divergences());
  }

  static void print(Result r, PrintStream out) {
    out.printf(Locale.ROOT, "%s: %d launches, %d identical, %d outputs within tolerance, %d diverged%n", r.model(),
        r.launches(), r.identical(), r.tolerated().size(), r.divergences().size());
    for (String t : r.tolerated().subList(0, Math.min(3, r.tolerated().size()))) {
      out.println("  tolerated: " + t);
    }
    if (!r.divergences().isEmpty()) {
      out.println("  FIRST DIVERGENCE: " + r.divergences().get(0));
      for (MirrorDevice.Divergence d : r.divergences().subList(1, Math.min(10, r.divergences().size()))) {
        out.println("  also: " + d);
      }
    }
  }

  public static void main(String[] args) {
    String models = "mlp,cnn,resnet20,mobilenetv2";
    int batch = 32;
    boolean referenceOnly = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--models" -> models = args[++i];
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--reference-only" -> referenceOnly = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: StepTrace [--models a,b] [--batch N] [--reference-only]");
      }
    }
    if (!referenceOnly && !CudaRuntime.isAvailable()) {
      System.out.println("no GPU: " + CudaRuntime.availability().reason() + " (--reference-only traces the software device)");
      return;
    }
    int diverged = 0;
    for (String arch : models.split(",")) {
      long t0 = System.nanoTime();
      try (Device primary = referenceOnly ? new SoftwareDevice() : CudaDevice.open();
          SoftwareDevice reference = new SoftwareDevice()) {
        System.out.println("device: " + primary.name());
        Result r = trace(arch, batch, primary, reference);
        print(r, System.out);
        diverged += r.divergences().size();
      }
      System.out.printf(Locale.ROOT, "  (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
    }
    System.exit(diverged == 0 ? 0 : 1);
  }
}

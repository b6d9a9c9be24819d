package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.Backend;
import io.hindsight.backend.CpuBackend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.data.Batch;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.Buffer;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SGD steps of every architecture on the software device ({@code cuda-sim}: the CUDA backend's
 * device-resident path, every kernel as its reference) against the CPU engine, from the same
 * initial weights on the same batch: the loss, the correct count, every parameter, every momentum
 * buffer and every BatchNorm buffer agree within {@value #TOLERANCE}.
 *
 * <p>The engines differ only in the order of floating-point sums (tiled GEMMs with FMAs, tree
 * reductions in batch norm and the softmax, float-accumulated convolution reductions), so each
 * tensor's largest difference is compared with its own largest magnitude, floored at a hundredth
 * of the largest magnitude among tensors of its kind (a gradient that is zero up to rounding, e.g.
 * the bias of a BatchNorm whose output feeds another BatchNorm, is then not judged by its rounding
 * noise alone). mlp, cnn and resnet20 take two steps (the second uses momentum); mobilenetv2 one,
 * because its depthwise blocks amplify a first step's rounding differences about a hundred times
 * more than resnet20 (docs/results.md, trajectory drift), so a second step measures that
 * amplification rather than the kernels. A wrong kernel changes results by orders of magnitude more.
 */
class DeviceStepParityTest {
  static final double TOLERANCE = 1e-4;

  private static Model build(String arch, double width, Backend backend) {
    return new ModelFactory(backend, QuantHooksProvider.NONE, new Rng(3)).build(arch, width, 0, new int[] {1, 28, 28},
        10, new Rng(11));
  }

  /** {@code n} images of Gaussian pixels (std 0.8) and uniform labels, drawn from {@code seed}. */
  static Batch batch(int n, long seed) {
    Rng r = new Rng(seed);
    float[] x = new float[n * 28 * 28];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * 0.8);
    }
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(10);
    }
    return new Batch(Tensor.of(x, n, 1, 28, 28), labels);
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** Compares pairs of tensors of one kind; returns "name: error" of the worst and fails above the tolerance. */
  private static String compare(String kind, List<String> names, List<float[]> ref, List<float[]> dev) {
    double floor = 0;
    for (float[] a : ref) {
      floor = Math.max(floor, 1e-2 * maxAbs(a));
    }
    double worst = 0;
    String worstName = "";
    for (int t = 0; t < ref.size(); t++) {
      float[] a = ref.get(t);
      float[] b = dev.get(t);
      double diff = 0;
      for (int i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
      }
      double scale = Math.max(maxAbs(a), floor);
      double e = scale == 0 ? diff : diff / scale;
      assertThat(e).as("%s %s: largest difference %s of scale %s", kind, names.get(t), diff, scale)
          .isLessThanOrEqualTo(TOLERANCE);
      if (e > worst) {
        worst = e;
        worstName = names.get(t);
      }
    }
    return String.format("%s %.1e (%s)", kind, worst, worstName);
  }

  @ParameterizedTest(name = "{0} width {1}, batch {2}, {3} steps")
  @CsvSource({"mlp, 0.25, 16, 2", "cnn, 0.25, 8, 2", "resnet20, 0.5, 4, 2", "mobilenetv2, 0.25, 4, 1"})
  void stepsOnTheSoftwareDeviceMatchTheCpuEngine(String arch, double width, int n, int steps) {
    Batch batch = batch(n, 5);
    try (CpuBackend cpu = new CpuBackend(2); CudaBackend sim = CudaBackend.simulated(2)) {
      Model ref = build(arch, width, cpu);
      Model dev = build(arch, width, sim);
      Sgd refSgd = new Sgd(ref.parameters(), 0.9, false, 5e-4);
      Sgd devSgd = new Sgd(dev.parameters(), 0.9, false, 5e-4);
      HindsightStepEngine cpuEngine = new HindsightStepEngine(ref, refSgd);
      try (DeviceStepEngine devEngine = new DeviceStepEngine(dev, devSgd, sim.kernels(), 0.9, false, 5e-4)) {
        for (int step = 0; step < steps; step++) {
          StepEngine.StepOutcome a = cpuEngine.trainStep(batch, 0.05);
          StepEngine.StepOutcome b = devEngine.trainStep(batch, 0.05);
          assertThat(b.applied()).isTrue();
          assertThat(b.correct()).as("correct count, step %d", step).isEqualTo(a.correct());
          assertThat(Math.abs(b.loss() - a.loss()) / Math.max(1, Math.abs(a.loss()))).as("loss, step %d", step)
              .isLessThanOrEqualTo(TOLERANCE);
        }
        devEngine.syncToModel();
      }
      Map<String, Parameter> devParams = dev.namedParameters();
      List<String> names = new ArrayList<>();
      List<float[]> refValues = new ArrayList<>();
      List<float[]> devValues = new ArrayList<>();
      List<float[]> refMomentum = new ArrayList<>();
      List<float[]> devMomentum = new ArrayList<>();
      for (Parameter p : ref.parameters()) {
        names.add(p.name());
        refValues.add(p.value().data());
        devValues.add(devParams.get(p.name()).value().data());
        refMomentum.add(refSgd.state().get(p.name()).data());
        devMomentum.add(devSgd.state().get(p.name()).data());
      }
      List<String> bufferNames = new ArrayList<>();
      List<float[]> refBuffers = new ArrayList<>();
      List<float[]> devBuffers = new ArrayList<>();
      List<Buffer> db = dev.buffers();
      for (int i = 0; i < ref.buffers().size(); i++) {
        bufferNames.add(ref.buffers().get(i).name());
        refBuffers.add(ref.buffers().get(i).value().data());
        devBuffers.add(db.get(i).value().data());
      }
      String summary = compare("parameters", names, refValues, devValues) + ", "
          + compare("momentum", names, refMomentum, devMomentum)
          + (refBuffers.isEmpty() ? "" : ", " + compare("buffers", bufferNames, refBuffers, devBuffers));
      System.out.println("DeviceStepParityTest " + arch + ": largest differences: " + summary);
      assertThat(sim.deviceHandle().counters().liveBytes()).as("the engine freed everything").isZero();
    }
  }
}

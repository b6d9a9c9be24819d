package io.hindsight.djl;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.ConvReference;
import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.QuantHooks;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whether libtorch computes convolution input gradients right on this machine, checked against a
 * direct double-precision loop ({@link ConvReference}). libtorch is our independent reference, so
 * it must not be trusted blindly: on an AMD EPYC VM with AVX-512 (libtorch 2.7.1 CPU) its input
 * gradient was wrong for stride-1 3x3 and 5x5 convolutions whose output channel count is not a
 * multiple of 16 (1 to 15 and 24 seen, at batch 2 and 128; in some processes even different from
 * one identical call to the next, once NaN), while its forward pass, weight gradients, depthwise,
 * 1x1 and strided convolutions, and every convolution of our models at width 1 were right. So a DJL
 * baseline run checks its own model's convolution shapes ({@link #forModel}), and the parity tests
 * check a small shape like theirs ({@link #convInputGradient()}).
 */
public final class LibtorchSelfCheck {
  /** Largest allowed difference from the direct loop, relative to the loop's largest value. */
  public static final double TOLERANCE = 1e-4;
  /** Batch of every probe: the direct loop is slow, and the failures seen did not need more. */
  public static final int PROBE_BATCH = 2;
  private static final int CALLS = 3;
  // "Same" 5x5 convolution, stride 1, 4 output channels: a shape libtorch got wrong where it was broken.
  private static final ConvGeometry SMALL = new ConvGeometry(PROBE_BATCH, 2, 7, 7, 4, 5, 5, 1, 2, 1);
  private static final Map<ConvGeometry, Result> CACHE = new HashMap<>();

  /**
   * @param passed every probe's every call returned a finite input gradient within {@link
   *     #TOLERANCE} of the loop's
   * @param maxError the largest difference over all probes and calls, relative to each probe's
   *     largest value (infinite where libtorch returned a non-finite value)
   * @param probe the shapes checked (and the worst one), for messages
   */
  public record Result(boolean passed, double maxError, String probe) {
    /** One line for logs, warnings and provenance. */
    public String describe() {
      String difference = Double.isInfinite(maxError) ? "a NaN or infinite value"
          : String.format(Locale.ROOT, "largest difference %.2g of the largest value", maxError);
      return String.format(Locale.ROOT, "libtorch convolution input gradient %s a direct loop: %s (tolerance %.0g) "
          + "on %s", passed ? "matches" : "DOES NOT match", difference, TOLERANCE, probe);
    }
  }

  private LibtorchSelfCheck() {}

  /** One small shape like the parity tests' (batch 2, 2 to 4 channels, 7x7, 5x5 kernel). */
  public static Result convInputGradient() {
    return check(List.of(SMALL));
  }

  /**
   * Every distinct convolution shape of {@code model} ({@link #convolutionShapes}), at the input
   * sizes it sees and batch {@link #PROBE_BATCH}, with random weights (the model's own are not
   * touched). Runs one evaluation-mode forward pass of {@code model} on zeros to learn the input
   * sizes.
   */
  public static Result forModel(Model model) {
    return check(convolutionShapes(model));
  }

  /**
   * The distinct convolution shapes of {@code model} whose input gradient training uses (all but a
   * first-layer convolution), at batch {@link #PROBE_BATCH}, in execution order.
   */
  public static List<ConvGeometry> convolutionShapes(Model model) {
    int[] in = model.inputShape();
    model.forward(Tensor.zeros(1, in[0], in[1], in[2]), false); // (1, C, H, W)
    Set<ConvGeometry> shapes = new LinkedHashSet<>();
    List<Layer> leaves = model.leaves();
    for (int i = 0; i < leaves.size(); i++) {
      // the first layer's input is the image, whose gradient training never computes
      if (i > 0 && leaves.get(i) instanceof Conv2d c && c.lastGeometry() != null) {
        ConvGeometry g = c.lastGeometry();
        shapes.add(new ConvGeometry(PROBE_BATCH, g.inC(), g.inH(), g.inW(), g.outC(), g.kH(), g.kW(), g.stride(),
            g.padding(), g.groups()));
      }
    }
    return List.copyOf(shapes);
  }

  /** All {@code shapes}; each shape's probe runs once per process. */
  public static Result check(List<ConvGeometry> shapes) {
    if (shapes.isEmpty()) {
      return new Result(true, 0, "no convolutions");
    }
    double worst = -1;
    ConvGeometry worstShape = null;
    for (ConvGeometry g : shapes) {
      Result r;
      synchronized (CACHE) {
        r = CACHE.computeIfAbsent(g, LibtorchSelfCheck::probe);
      }
      if (r.maxError() > worst) {
        worst = r.maxError();
        worstShape = g;
      }
    }
    String probe = shapes.size() == 1 ? describe(worstShape)
        : String.format(Locale.ROOT, "%d convolution shapes, worst %s", shapes.size(), describe(worstShape));
    return new Result(worst <= TOLERANCE, worst, probe + ", " + CALLS + " identical calls each");
  }

  private static String describe(ConvGeometry g) {
    return String.format(Locale.ROOT, "x (%d, %d, %d, %d), %dx%d kernel, %d output channels, stride %d, padding %d%s",
        g.n(), g.inC(), g.inH(), g.inW(), g.kH(), g.kW(), g.outC(), g.stride(), g.padding(),
        g.groups() == 1 ? "" : ", groups " + g.groups());
  }

  /** One thread and no pool: nothing to close. */
  private static final CpuBackend SINGLE_THREAD = new CpuBackend(1);

  private static Result probe(ConvGeometry g) {
    Rng rng = new Rng(2024);
    Conv2d conv = new Conv2d("probe", SINGLE_THREAD, g.inC(), g.outC(), g.kH(), g.stride(), g.padding(),
        g.groups(), true, QuantHooks.NONE);
    for (Parameter p : conv.parameters()) {
      fillNormal(p.value(), rng, 0.5);
    }
    Model model = new Model("probe", conv, 1, new int[] {g.inC(), g.inH(), g.inW()});
    Tensor x = Tensor.zeros(g.n(), g.inC(), g.inH(), g.inW()); // (N, C, H, W)
    fillNormal(x, rng, 1);
    Tensor dY = Tensor.zeros(g.n(), g.outC(), g.outH(), g.outW()); // (N, outC, outH, outW)
    fillNormal(dY, rng, 1);
    double[] expected = ConvReference.compute(g, x.data(), conv.weight().value().data(),
        conv.bias().value().data(), dY.data()).dX();
    double scale = 0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    double worst = 0;
    try (DjlModel torch = new DjlModel(model)) {
      for (int call = 0; call < CALLS; call++) {
        float[] dX = torch.vectorJacobian(x, dY, true).inputGradient().data();
        for (int i = 0; i < expected.length; i++) {
          double err = Math.abs(dX[i] - expected[i]) / scale;
          worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
        }
      }
    }
    return new Result(worst <= TOLERANCE, worst, describe(g));
  }

  private static void fillNormal(Tensor t, Rng rng, double scale) {
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (rng.nextGaussian() * scale);
    }
  }
}

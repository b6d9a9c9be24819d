package io.hindsight.djl;

import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Parameter;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.LinkedHashMap;
import java.util.Map;

/** Seeded random tensors and layer states for the DJL parity and gradient tests. */
final class TestData {
  private TestData() {}

  /** Standard normal values of the given shape, times {@code scale}. */
  static Tensor normal(Rng rng, double scale, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (rng.nextGaussian() * scale);
    }
    return t;
  }

  /** Uniform values in {@code [lo, hi)}. */
  static Tensor uniform(Rng rng, double lo, double hi, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (lo + (hi - lo) * rng.nextDouble());
    }
    return t;
  }

  static int[] labels(Rng rng, int n, int classes) {
    int[] l = new int[n];
    for (int i = 0; i < n; i++) {
      l[i] = rng.nextInt(classes);
    }
    return l;
  }

  /**
   * Gives every parameter of {@code layer} (recursively) random values, and every BatchNorm random
   * running statistics (positive variances), so no test passes by virtue of zeros and ones.
   */
  static void randomize(Layer layer, Rng rng) {
    for (Parameter p : layer.parameters()) {
      float[] d = p.value().data();
      boolean bnScale = p.name().endsWith(".weight") && p.value().rank() == 1;
      for (int i = 0; i < d.length; i++) {
        d[i] = bnScale ? (float) (0.5 + rng.nextDouble()) : (float) (rng.nextGaussian() * 0.5);
      }
    }
    randomizeRunningStats(layer, rng);
  }

  private static void randomizeRunningStats(Layer layer, Rng rng) {
    if (layer instanceof BatchNorm2d bn) {
      float[] m = bn.runningMean().data();
      float[] v = bn.runningVar().data();
      for (int i = 0; i < m.length; i++) {
        m[i] = (float) (rng.nextGaussian() * 0.3);
        v[i] = (float) (0.5 + rng.nextDouble());
      }
    }
    for (Layer c : layer.children()) {
      randomizeRunningStats(c, rng);
    }
  }

  /** A deep copy of every parameter gradient of {@code layer}, by name. */
  static Map<String, Tensor> gradients(Layer layer) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Parameter p : layer.parameters()) {
      out.put(p.name(), p.grad().copy());
    }
    return out;
  }
}

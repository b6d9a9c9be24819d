package io.hindsight.device.sim;

import java.util.Map;

/**
 * References of loss_optim.cu. The softmax follows the kernel's warp per row: the arg-max with the
 * smallest index among equal maxima, the per-lane sums of {@code exp} reduced by the warp
 * butterfly; bit-exact except that CUDA's double {@code exp}/{@code log} and Java's may differ in
 * the last bit (both are within 1 ulp). The SGD update is bit-exact.
 */
final class LossOptimRef {
  private LossOptimRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("softmax_xent_fwd", LossOptimRef::softmaxForward);
    refs.put("softmax_xent_bwd", LossOptimRef::softmaxBackward);
    refs.put("sgd_update", LossOptimRef::sgd);
    refs.put("sgd_update_stats", LossOptimRef::sgdStats);
  }

  private static void softmaxForward(SimLaunch l) {
    int n = l.i32("N");
    int k = l.i32("K");
    float[] z = ConvRef.read(l.view("z"), 0, (long) n * k);
    int[] labels = new int[n];
    l.view("labels").readI(0, labels, 0, n);
    View probs = l.view("probs");
    View loss = l.view("loss");
    View correct = l.view("correct");
    float[] p = new float[n * k];
    double[] lanes = new double[32];
    for (int row = 0; row < n; row++) {
      int base = row * k;
      float max = Float.NEGATIVE_INFINITY;
      int arg = k;
      for (int j = 0; j < k; j++) {
        float v = z[base + j];
        if (v > max || (v == max && j < arg)) {
          max = v;
          arg = j;
        }
      }
      java.util.Arrays.fill(lanes, 0.0);
      for (int lane = 0; lane < 32; lane++) {
        double s = 0.0;
        for (int j = lane; j < k; j += 32) {
          s += Math.exp((double) (z[base + j] - max));
        }
        lanes[lane] = s;
      }
      double sum = BlockReduce.butterfly(lanes);
      double logSum = Math.log(sum) + max;
      for (int j = 0; j < k; j++) {
        p[base + j] = (float) Math.exp(z[base + j] - logSum);
      }
      int label = labels[row];
      loss.putD(row, logSum - z[base + label]);
      correct.putI(row, arg == label ? 1 : 0);
    }
    probs.writeF(0, p, 0, p.length);
  }

  private static void softmaxBackward(SimLaunch l) {
    int n = l.i32("N");
    int k = l.i32("K");
    float[] p = ConvRef.read(l.view("probs"), 0, (long) n * k);
    int[] labels = new int[n];
    l.view("labels").readI(0, labels, 0, n);
    float inv = 1f / (float) n;
    for (int idx = 0; idx < p.length; idx++) {
      int i = idx / k;
      int j = idx % k;
      float v = p[idx];
      if (j == labels[i]) {
        v = v - 1f;
      }
      p[idx] = v * inv;
    }
    l.view("dz").writeF(0, p, 0, p.length);
  }

  /** The SGD parameters of a launch of {@code sgd_update} or {@code sgd_update_stats}. */
  private record Sgd(float lr, float momentum, boolean nesterov, float wd, boolean first) {
    static Sgd of(SimLaunch l) {
      return new Sgd(l.f32("lr"), l.f32("momentum"), l.flag("nesterov"), l.f32("weightDecay"), l.flag("first"));
    }

    /** hs_sgd: updates {@code w} and {@code v} (nullable) in place. */
    void step(float[] w, float[] g, float[] v) {
      for (int i = 0; i < w.length; i++) {
        float wi = w[i];
        float gi = g[i] + wd * wi;
        float d = gi;
        if (v != null) {
          float vi = first ? gi : momentum * v[i] + gi;
          v[i] = vi;
          d = nesterov ? gi + momentum * vi : vi;
        }
        w[i] = wi - lr * d;
      }
    }
  }

  private static boolean skipped(SimLaunch l) {
    View skip = l.view("skip");
    return skip != null && skip.getI(0) != 0;
  }

  private static void sgd(SimLaunch l) {
    if (skipped(l)) {
      return;
    }
    update(l, Sgd.of(l), Math.toIntExact(l.i64("n")));
  }

  /** Runs the update over the launch's first {@code n} parameters, writing w and v back; returns the new values. */
  private static float[] update(SimLaunch l, Sgd sgd, int n) {
    View wv = l.view("w");
    View vv = l.view("v");
    float[] w = ConvRef.read(wv, 0, n);
    float[] g = ConvRef.read(l.view("grad"), 0, n);
    float[] v = vv == null ? null : sgd.first() ? new float[n] : ConvRef.read(vv, 0, n);
    sgd.step(w, g, v);
    wv.writeF(0, w, 0, n);
    if (v != null) {
      vv.writeF(0, v, 0, n);
    }
    return w;
  }

  private static void sgdStats(SimLaunch l) {
    int segments = l.i32("segments");
    long[] start = new long[segments + 1];
    View segStart = l.view("segStart");
    for (int s = 0; s <= segments; s++) {
      start[s] = segStart.getL(s);
    }
    int[] slot = new int[segments];
    l.view("segSlot").readI(0, slot, 0, segments);
    if (start[0] != 0) {
      throw new IllegalArgumentException("sgd_update_stats: the segments must start at parameter 0, not " + start[0]);
    }
    int n = Math.toIntExact(start[segments]);
    float[] w = skipped(l) ? ConvRef.read(l.view("w"), 0, n) : update(l, Sgd.of(l), n);
    View stats = l.view("stats");
    for (int s = 0; s < segments; s++) {
      if (slot[s] < 0) {
        continue;
      }
      KeyStats seen = new KeyStats();
      for (int i = (int) start[s]; i < start[s + 1]; i++) {
        seen.add(w[i]);
      }
      seen.mergeInto(stats, slot[s], 0);
    }
  }
}

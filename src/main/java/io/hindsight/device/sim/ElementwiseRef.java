package io.hindsight.device.sim;

import io.hindsight.util.CounterRng;
import java.util.Map;

/** References of elementwise.cu, bit-exact (elementwise operations, and sums in the kernels' order). */
final class ElementwiseRef {
  private ElementwiseRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("relu_fwd", ElementwiseRef::reluForward);
    refs.put("relu_bwd", ElementwiseRef::reluBackward);
    refs.put("add_tensors", l -> binary(l, true));
    refs.put("mul_tensors", l -> binary(l, false));
    refs.put("global_avg_pool_fwd", ElementwiseRef::gapForward);
    refs.put("global_avg_pool_bwd", ElementwiseRef::gapBackward);
    refs.put("dropout_fwd", ElementwiseRef::dropout);
    refs.put("fill_i32", ElementwiseRef::fill);
    refs.put("reduce_loss", ElementwiseRef::reduceLoss);
    refs.put("count_nonfinite", ElementwiseRef::countNonFinite);
  }

  /** {@code relu_fwd}'s value: NaN passes, -0 becomes +0, clamped to {@code [0, upper]}. */
  static float relu(float v, float upper) {
    return v > 0f ? (v < upper ? v : upper) : (v != v ? v : 0f);
  }

  private static void reluForward(SimLaunch l) {
    long n = l.i64("n");
    float upper = l.f32("upper");
    float[] x = ConvRef.read(l.view("x"), 0, n);
    for (int i = 0; i < x.length; i++) {
      x[i] = relu(x[i], upper);
    }
    l.view("y").writeF(0, x, 0, x.length);
  }

  private static void reluBackward(SimLaunch l) {
    long n = l.i64("n");
    float upper = l.f32("upper");
    float[] x = ConvRef.read(l.view("x"), 0, n);
    float[] dy = ConvRef.read(l.view("dy"), 0, n);
    for (int i = 0; i < x.length; i++) {
      dy[i] = x[i] > 0f && x[i] < upper ? dy[i] : 0f;
    }
    l.view("dx").writeF(0, dy, 0, dy.length);
  }

  private static void binary(SimLaunch l, boolean add) {
    long n = l.i64("n");
    float[] a = ConvRef.read(l.view("a"), 0, n);
    float[] b = ConvRef.read(l.view("b"), 0, n);
    for (int i = 0; i < a.length; i++) {
      a[i] = add ? a[i] + b[i] : a[i] * b[i];
    }
    l.view("y").writeF(0, a, 0, a.length);
  }

  private static void gapForward(SimLaunch l) {
    int planes = l.i32("planes");
    int hw = l.i32("hw");
    float[] x = ConvRef.read(l.view("x"), 0, (long) planes * hw);
    float[] y = new float[planes];
    for (int p = 0; p < planes; p++) {
      float sum = 0f;
      for (int i = 0; i < hw; i++) {
        sum = sum + x[p * hw + i];
      }
      y[p] = sum / (float) hw;
    }
    l.view("y").writeF(0, y, 0, planes);
  }

  private static void gapBackward(SimLaunch l) {
    int planes = l.i32("planes");
    int hw = l.i32("hw");
    float[] dy = ConvRef.read(l.view("dy"), 0, planes);
    float[] dx = new float[planes * hw];
    for (int i = 0; i < dx.length; i++) {
      dx[i] = dy[i / hw] / (float) hw;
    }
    l.view("dx").writeF(0, dx, 0, dx.length);
  }

  private static void dropout(SimLaunch l) {
    long n = l.i64("n");
    float p = l.f32("p");
    float scale = l.f32("scale");
    long key = l.i64("key");
    float[] x = ConvRef.read(l.view("x"), 0, n);
    float[] mask = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      mask[i] = CounterRng.uniform(key, i) < p ? 0f : scale;
      x[i] = x[i] * mask[i];
    }
    l.view("mask").writeF(0, mask, 0, mask.length);
    l.view("y").writeF(0, x, 0, x.length);
  }

  private static void fill(SimLaunch l) {
    View x = l.view("x");
    long n = l.i64("n");
    int v = l.i32("value");
    for (long i = 0; i < n; i++) {
      x.putI(i, v);
    }
  }

  private static void reduceLoss(SimLaunch l) {
    int n = l.i32("n");
    View rowLoss = l.view("rowLoss");
    View correct = l.view("correct");
    double sum = 0.0;
    int c = 0;
    for (int i = 0; i < n; i++) {
      sum = sum + rowLoss.getD(i);
      c += correct.getI(i);
    }
    l.view("out").putD(0, sum);
    l.view("correctOut").putI(0, c);
    if (!Double.isFinite(sum)) {
      View status = l.view("status");
      status.putI(0, status.getI(0) + 1);
    }
  }

  private static void countNonFinite(SimLaunch l) {
    long n = l.i64("n");
    float[] x = ConvRef.read(l.view("x"), 0, n);
    int bad = 0;
    for (float v : x) {
      if (!Float.isFinite(v)) {
        bad++;
      }
    }
    if (bad != 0) {
      View status = l.view("status");
      status.putI(0, status.getI(0) + bad);
    }
  }
}

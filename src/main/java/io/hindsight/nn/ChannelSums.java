package io.hindsight.nn;

/**
 * Per-channel double-precision sums over {@code (N, H, W)} of an NCHW array, for up to
 * {@value #GROUP} channels at once. Each channel is still summed sequentially in (sample, pixel)
 * order, so every sum is bit for bit that of a plain loop; running {@value #GROUP} channels'
 * chains side by side only hides the latency of each dependent double addition, which bounds a
 * single chain.
 */
final class ChannelSums {
  /** Channels summed side by side. */
  static final int GROUP = 4;

  private ChannelSums() {}

  /** out[k] = Σ x[(s, c0 + k, i)] for k < g. */
  static void sum(float[] x, int n, int channels, int hw, int c0, int g, double[] out) {
    if (g == GROUP) {
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int s = 0; s < n; s++) {
        int o = (s * channels + c0) * hw;
        for (int i = 0; i < hw; i++) {
          s0 += x[o + i];
          s1 += x[o + hw + i];
          s2 += x[o + 2 * hw + i];
          s3 += x[o + 3 * hw + i];
        }
      }
      put(out, s0, s1, s2, s3);
      return;
    }
    for (int k = 0; k < g; k++) {
      double acc = 0;
      for (int s = 0; s < n; s++) {
        int o = (s * channels + c0 + k) * hw;
        for (int i = 0; i < hw; i++) {
          acc += x[o + i];
        }
      }
      out[k] = acc;
    }
  }

  /** out[k] = Σ (x[(s, c0 + k, i)] - mean[k])², differences and squares in double, for k < g. */
  static void squaredDeviations(float[] x, int n, int channels, int hw, int c0, int g, double[] mean, double[] out) {
    if (g == GROUP) {
      double m0 = mean[0];
      double m1 = mean[1];
      double m2 = mean[2];
      double m3 = mean[3];
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int s = 0; s < n; s++) {
        int o = (s * channels + c0) * hw;
        for (int i = 0; i < hw; i++) {
          double d0 = x[o + i] - m0;
          double d1 = x[o + hw + i] - m1;
          double d2 = x[o + 2 * hw + i] - m2;
          double d3 = x[o + 3 * hw + i] - m3;
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
      }
      put(out, s0, s1, s2, s3);
      return;
    }
    for (int k = 0; k < g; k++) {
      double m = mean[k];
      double acc = 0;
      for (int s = 0; s < n; s++) {
        int o = (s * channels + c0 + k) * hw;
        for (int i = 0; i < hw; i++) {
          double d = x[o + i] - m;
          acc += d * d;
        }
      }
      out[k] = acc;
    }
  }

  /** sum[k] = Σ dy and dot[k] = Σ dy·xh (products in double) over channel c0 + k, for k < g. */
  static void sumAndDot(float[] dy, float[] xh, int n, int channels, int hw, int c0, int g, double[] sum,
      double[] dot) {
    if (g == GROUP) {
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      double p0 = 0;
      double p1 = 0;
      double p2 = 0;
      double p3 = 0;
      for (int s = 0; s < n; s++) {
        int o = (s * channels + c0) * hw;
        for (int i = 0; i < hw; i++) {
          int j0 = o + i;
          int j1 = j0 + hw;
          int j2 = j1 + hw;
          int j3 = j2 + hw;
          s0 += dy[j0];
          p0 += (double) dy[j0] * xh[j0];
          s1 += dy[j1];
          p1 += (double) dy[j1] * xh[j1];
          s2 += dy[j2];
          p2 += (double) dy[j2] * xh[j2];
          s3 += dy[j3];
          p3 += (double) dy[j3] * xh[j3];
        }
      }
      put(sum, s0, s1, s2, s3);
      put(dot, p0, p1, p2, p3);
      return;
    }
    for (int k = 0; k < g; k++) {
      double acc = 0;
      double accDot = 0;
      for (int s = 0; s < n; s++) {
        int o = (s * channels + c0 + k) * hw;
        for (int i = 0; i < hw; i++) {
          acc += dy[o + i];
          accDot += (double) dy[o + i] * xh[o + i];
        }
      }
      sum[k] = acc;
      dot[k] = accDot;
    }
  }

  private static void put(double[] out, double v0, double v1, double v2, double v3) {
    out[0] = v0;
    out[1] = v1;
    out[2] = v2;
    out[3] = v3;
  }
}

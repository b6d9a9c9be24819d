package io.hindsight.device.sim;

import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * References of norm_pool.cu. Batch norm: one block per channel, per-thread strided double sums
 * reduced by the block butterfly ({@link BlockReduce#sumDouble}), then the same float operations as
 * the kernel: bit-exact (the kernel's double {@code sqrt} and division are correctly rounded, as
 * Java's). Pooling: per-output loops in the kernels' order, bit-exact.
 */
final class NormPoolRef {
  private NormPoolRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("bn_sums", NormPoolRef::bnSums);
    refs.put("bn_bwd_sums", NormPoolRef::bnBwdSums);
    refs.put("batchnorm_fwd", NormPoolRef::batchnormForward);
    refs.put("batchnorm_bwd", NormPoolRef::batchnormBackward);
    refs.put("pool2d_fwd", NormPoolRef::poolForward);
    refs.put("pool2d_bwd", NormPoolRef::poolBackward);
  }

  /**
   * Batch-norm statistics partials in the kernels' order (hs_common.cuh): channel c's values
   * {@code value(idx)}, j = sample * hw + pixel, dealt to {@code segments * threads} virtual threads,
   * each summing its j's in order (double); per segment the block tree of its threads.
   */
  static double[] partials(int n, int channels, int hw, int c, int threads, int segments, IntToDoubleFunction value) {
    long count = (long) n * hw;
    long stride = (long) segments * threads;
    double[] out = new double[segments];
    double[] perThread = new double[threads];
    for (int s = 0; s < segments; s++) {
      for (int t = 0; t < threads; t++) {
        double acc = 0.0;
        for (long j = (long) s * threads + t; j < count; j += stride) {
          acc = acc + value.applyAsDouble(index(j, c, channels, hw));
        }
        perThread[t] = acc;
      }
      out[s] = BlockReduce.sumDouble(perThread);
    }
    return out;
  }

  /** A channel's total: its segment partials ({@code (C, S)} doubles) added in segment order. */
  static double total(View partial, int c, int segments) {
    double t = 0.0;
    for (int s = 0; s < segments; s++) {
      t = t + partial.getD((long) c * segments + s);
    }
    return t;
  }

  /** {@code bn_sums}: partial sums of x, or (centre set) of squared deviations from total(centre) / count. */
  private static void bnSums(SimLaunch l) {
    int n = l.i32("N");
    int channels = l.i32("C");
    int hw = l.i32("HW");
    int segments = l.gridY();
    float[] x = ConvRef.read(l.view("x"), 0, (long) n * channels * hw);
    View centre = l.view("centre");
    View partial = l.view("partial");
    long count = (long) n * hw;
    for (int c = 0; c < channels; c++) {
      double[] p;
      if (centre == null) {
        p = partials(n, channels, hw, c, l.blockX(), segments, idx -> (double) x[idx]);
      } else {
        double m = total(centre, c, segments) / (double) count;
        p = partials(n, channels, hw, c, l.blockX(), segments, idx -> {
          double d = (double) x[idx] - m;
          return d * d;
        });
      }
      for (int s = 0; s < segments; s++) {
        partial.putD((long) c * segments + s, p[s]);
      }
    }
  }

  /** {@code bn_bwd_sums}: partial sums of dy and dy * xhat, dy masked by actMask when set. */
  private static void bnBwdSums(SimLaunch l) {
    int n = l.i32("N");
    int channels = l.i32("C");
    int hw = l.i32("HW");
    int segments = l.gridY();
    long total = (long) n * channels * hw;
    float[] dy = ConvRef.read(l.view("dy"), 0, total);
    View maskView = l.view("actMask");
    if (maskView != null) {
      for (int i = 0; i < dy.length; i++) {
        if (maskView.getB(i) == 0) {
          dy[i] = 0f;
        }
      }
    }
    float[] xhat = ConvRef.read(l.view("xhat"), 0, total);
    View pdy = l.view("partialDy");
    View pdyx = l.view("partialDyXhat");
    for (int c = 0; c < channels; c++) {
      double[] a = partials(n, channels, hw, c, l.blockX(), segments, idx -> (double) dy[idx]);
      double[] b = partials(n, channels, hw, c, l.blockX(), segments, idx -> (double) dy[idx] * (double) xhat[idx]);
      for (int s = 0; s < segments; s++) {
        pdy.putD((long) c * segments + s, a[s]);
        pdyx.putD((long) c * segments + s, b[s]);
      }
    }
  }

  static int index(long j, int c, int channels, int hw) {
    return (int) (((j / hw) * channels + c) * hw + j % hw);
  }

  private static void batchnormForward(SimLaunch l) {
    int n = l.i32("N");
    int channels = l.i32("C");
    int hw = l.i32("HW");
    boolean training = l.flag("training");
    float momentum = l.f32("momentum");
    float eps = l.f32("eps");
    float[] x = ConvRef.read(l.view("x"), 0, (long) n * channels * hw);
    float[] gamma = ConvRef.read(l.view("gamma"), 0, channels);
    float[] beta = ConvRef.read(l.view("beta"), 0, channels);
    View rmv = l.view("runningMean");
    View rvv = l.view("runningVar");
    float[] xhat = new float[x.length];
    float[] y = new float[x.length];
    View invStd = l.view("invStd");
    int segments = l.gridY();
    View sums = l.view("sums");
    View squares = l.view("squares");
    long count = (long) n * hw;
    for (int c = 0; c < channels; c++) {
      float mean;
      float var;
      if (training) {
        double m = total(sums, c, segments) / (double) count;
        double sq = total(squares, c, segments);
        mean = (float) m;
        var = (float) (sq / (double) count);
        float unbiased = count > 1 ? (float) (sq / (double) (count - 1)) : var;
        float keep = 1f - momentum;
        rmv.putF(c, keep * rmv.getF(c) + momentum * mean);
        rvv.putF(c, keep * rvv.getF(c) + momentum * unbiased);
      } else {
        mean = rmv.getF(c);
        var = rvv.getF(c);
      }
      float is = (float) (1.0 / Math.sqrt((double) (var + eps)));
      invStd.putF(c, is);
      float g = gamma[c];
      float b = beta[c];
      for (long j = 0; j < count; j++) {
        int idx = index(j, c, channels, hw);
        float v = (x[idx] - mean) * is;
        xhat[idx] = v;
        y[idx] = g * v + b;
      }
    }
    l.view("xhat").writeF(0, xhat, 0, xhat.length);
    l.view("y").writeF(0, y, 0, y.length);
  }

  private static void batchnormBackward(SimLaunch l) {
    int n = l.i32("N");
    int channels = l.i32("C");
    int hw = l.i32("HW");
    boolean training = l.flag("training");
    long total = (long) n * channels * hw;
    float[] dy = ConvRef.read(l.view("dy"), 0, total);
    float[] xhat = ConvRef.read(l.view("xhat"), 0, total);
    float[] gamma = ConvRef.read(l.view("gamma"), 0, channels);
    float[] invStd = ConvRef.read(l.view("invStd"), 0, channels);
    View dgamma = l.view("dgamma");
    View dbeta = l.view("dbeta");
    float[] dx = new float[(int) total];
    int segments = l.gridY();
    View sumDy = l.view("sumDy");
    View sumDyXhat = l.view("sumDyXhat");
    long count = (long) n * hw;
    for (int c = 0; c < channels; c++) {
      double sdy = total(sumDy, c, segments);
      double sdyx = total(sumDyXhat, c, segments);
      dbeta.putF(c, (float) sdy);
      dgamma.putF(c, (float) sdyx);
      float scale = gamma[c] * invStd[c];
      float meanDy = (float) (sdy / (double) count);
      float meanDyXh = (float) (sdyx / (double) count);
      for (long j = 0; j < count; j++) {
        int idx = index(j, c, channels, hw);
        dx[idx] = training ? scale * (dy[idx] - meanDy - xhat[idx] * meanDyXh) : scale * dy[idx];
      }
    }
    l.view("dx").writeF(0, dx, 0, dx.length);
  }

  private static void poolForward(SimLaunch l) {
    int planes = l.i32("planes");
    int h = l.i32("H");
    int w = l.i32("W");
    int k = l.i32("k");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    boolean max = l.i32("kind") == 0;
    float inv = 1f / (float) (k * k);
    float[] x = ConvRef.read(l.view("x"), 0, (long) planes * h * w);
    int total = planes * outH * outW;
    float[] y = new float[total];
    View argmaxView = l.view("argmax");
    int[] argmax = max ? new int[total] : null;
    for (int idx = 0; idx < total; idx++) {
      int j = idx % outW;
      int i = (idx / outW) % outH;
      int plane = idx / (outW * outH);
      int xb = plane * h * w;
      float best = Float.NEGATIVE_INFINITY;
      float sum = 0f;
      int bestIdx = -1;
      for (int ki = 0; ki < k; ki++) {
        int ih = i * stride - pad + ki;
        if (ih < 0 || ih >= h) {
          continue;
        }
        for (int kj = 0; kj < k; kj++) {
          int iw = j * stride - pad + kj;
          if (iw < 0 || iw >= w) {
            continue;
          }
          int xi = xb + ih * w + iw;
          float v = x[xi];
          sum = sum + v;
          if (v > best || bestIdx < 0 || v != v) {
            best = v;
            bestIdx = xi;
          }
        }
      }
      if (max) {
        y[idx] = best;
        argmax[idx] = bestIdx;
      } else {
        y[idx] = sum * inv;
      }
    }
    l.view("y").writeF(0, y, 0, total);
    if (max) {
      for (int idx = 0; idx < total; idx++) {
        argmaxView.putI(idx, argmax[idx]);
      }
    }
  }

  private static void poolBackward(SimLaunch l) {
    int planes = l.i32("planes");
    int h = l.i32("H");
    int w = l.i32("W");
    int k = l.i32("k");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    boolean max = l.i32("kind") == 0;
    float inv = 1f / (float) (k * k);
    int outTotal = planes * outH * outW;
    float[] dy = ConvRef.read(l.view("dy"), 0, outTotal);
    int[] argmax = null;
    if (max) {
      argmax = new int[outTotal];
      l.view("argmax").readI(0, argmax, 0, outTotal);
    }
    int total = planes * h * w;
    float[] dx = new float[total];
    for (int idx = 0; idx < total; idx++) {
      int iw = idx % w;
      int ih = (idx / w) % h;
      int plane = idx / (w * h);
      int yb = plane * outH * outW;
      int iLo = Math.max(0, (ih + pad - k + stride) / stride);
      int iHi = Math.min(outH - 1, (ih + pad) / stride);
      int jLo = Math.max(0, (iw + pad - k + stride) / stride);
      int jHi = Math.min(outW - 1, (iw + pad) / stride);
      float sum = 0f;
      for (int i = iLo; i <= iHi; i++) {
        for (int j = jLo; j <= jHi; j++) {
          int o = yb + i * outW + j;
          if (max) {
            if (argmax[o] == idx) {
              sum = sum + dy[o];
            }
          } else {
            sum = sum + dy[o] * inv;
          }
        }
      }
      dx[idx] = sum;
    }
    l.view("dx").writeF(0, dx, 0, total);
  }
}

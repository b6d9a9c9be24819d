package io.hindsight.device.sim;

import java.util.Map;

/**
 * References of norm_pool.cu. Batch norm: one block per channel, per-thread strided double sums
 * reduced by the block butterfly ({@link BlockReduce#sumDouble}), then the same float operations as
 * the kernel: bit-exact (the kernel's double {@code sqrt} and division are correctly rounded, as
 * Java's). Pooling: per-output loops in the kernels' order, bit-exact.
 */
final class NormPoolRef {
  private NormPoolRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("batchnorm_fwd", NormPoolRef::batchnormForward);
    refs.put("batchnorm_bwd", NormPoolRef::batchnormBackward);
    refs.put("pool2d_fwd", NormPoolRef::poolForward);
    refs.put("pool2d_bwd", NormPoolRef::poolBackward);
  }

  private static int index(long j, int c, int channels, int hw) {
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
    int threads = l.blockX();
    long count = (long) n * hw;
    double[] partial = new double[threads];
    for (int c = 0; c < channels; c++) {
      float mean;
      float var;
      if (training) {
        for (int t = 0; t < threads; t++) {
          double s = 0.0;
          for (long j = t; j < count; j += threads) {
            s = s + (double) x[index(j, c, channels, hw)];
          }
          partial[t] = s;
        }
        double m = BlockReduce.sumDouble(partial) / (double) count;
        for (int t = 0; t < threads; t++) {
          double sq = 0.0;
          for (long j = t; j < count; j += threads) {
            double d = (double) x[index(j, c, channels, hw)] - m;
            sq = sq + d * d;
          }
          partial[t] = sq;
        }
        double sq = BlockReduce.sumDouble(partial);
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
    int threads = l.blockX();
    long count = (long) n * hw;
    double[] pdy = new double[threads];
    double[] pdyx = new double[threads];
    for (int c = 0; c < channels; c++) {
      for (int t = 0; t < threads; t++) {
        double sdy = 0.0;
        double sdyx = 0.0;
        for (long j = t; j < count; j += threads) {
          int idx = index(j, c, channels, hw);
          sdy = sdy + (double) dy[idx];
          sdyx = sdyx + (double) dy[idx] * (double) xhat[idx];
        }
        pdy[t] = sdy;
        pdyx[t] = sdyx;
      }
      double sdy = BlockReduce.sumDouble(pdy);
      double sdyx = BlockReduce.sumDouble(pdyx);
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

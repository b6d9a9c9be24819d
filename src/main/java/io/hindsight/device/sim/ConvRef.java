package io.hindsight.device.sim;

import java.util.Map;

/**
 * References of conv.cu, bit-exact: im2col/col2im (copies and in-order gathers), bias add and
 * bias gradient (one block per channel: strided per-thread float sums, then the block's butterfly
 * reduction), and the depthwise kernels (FMA chains in the kernels' loop order; the weight
 * gradient reduces per weight like the bias gradient).
 */
final class ConvRef {
  private ConvRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("im2col_batched", ConvRef::im2col);
    refs.put("col2im_batched", ConvRef::col2im);
    refs.put("add_bias_nchw", ConvRef::addBias);
    refs.put("bias_grad_nchw", ConvRef::biasGrad);
    refs.put("depthwise_conv_fwd", ConvRef::depthwiseForward);
    refs.put("depthwise_conv_bwd_input", ConvRef::depthwiseBackwardInput);
    refs.put("depthwise_conv_bwd_weight", ConvRef::depthwiseBackwardWeight);
  }

  static float[] read(View v, long from, long count) {
    float[] a = new float[Math.toIntExact(count)];
    v.readF(from, a, 0, a.length);
    return a;
  }

  private static void im2col(SimLaunch l) {
    View x = l.view("x");
    View col = l.view("col");
    int n = l.i32("N");
    int c = l.i32("C");
    int h = l.i32("H");
    int w = l.i32("W");
    long stride0 = l.i64("xSampleStride");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    int outHW = outH * outW;
    int colRows = c * kH * kW;
    float[] out = new float[colRows * outHW];
    for (int s = 0; s < n; s++) {
      float[] xs = read(x, s * stride0, (long) c * h * w);
      for (int row = 0; row < colRows; row++) {
        int kw = row % kW;
        int kh = (row / kW) % kH;
        int ch = row / (kH * kW);
        for (int pix = 0; pix < outHW; pix++) {
          int oh = pix / outW;
          int ow = pix % outW;
          int ih = oh * stride - pad + kh;
          int iw = ow * stride - pad + kw;
          out[row * outHW + pix] = ih >= 0 && ih < h && iw >= 0 && iw < w ? xs[(ch * h + ih) * w + iw] : 0f;
        }
      }
      col.writeF((long) s * colRows * outHW, out, 0, out.length);
    }
  }

  private static void col2im(SimLaunch l) {
    View col = l.view("col");
    View dx = l.view("dx");
    int n = l.i32("N");
    int c = l.i32("C");
    int h = l.i32("H");
    int w = l.i32("W");
    long stride0 = l.i64("xSampleStride");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    int outHW = outH * outW;
    int colRows = c * kH * kW;
    float[] out = new float[c * h * w];
    for (int s = 0; s < n; s++) {
      float[] cs = read(col, (long) s * colRows * outHW, (long) colRows * outHW);
      for (int ch = 0; ch < c; ch++) {
        for (int ih = 0; ih < h; ih++) {
          for (int iw = 0; iw < w; iw++) {
            float sum = 0f;
            for (int kh = 0; kh < kH; kh++) {
              int oh = tapOutput(ih, kh, pad, stride, outH);
              if (oh < 0) {
                continue;
              }
              for (int kw = 0; kw < kW; kw++) {
                int ow = tapOutput(iw, kw, pad, stride, outW);
                if (ow < 0) {
                  continue;
                }
                int row = (ch * kH + kh) * kW + kw;
                sum += cs[row * outHW + oh * outW + ow];
              }
            }
            out[(ch * h + ih) * w + iw] = sum;
          }
        }
      }
      dx.writeF(s * stride0, out, 0, out.length);
    }
  }

  private static void addBias(SimLaunch l) {
    View y = l.view("y");
    int n = l.i32("N");
    int c = l.i32("C");
    long hw = l.i64("HW");
    float[] b = read(l.view("bias"), 0, c);
    long total = n * c * hw;
    float[] yv = read(y, 0, total);
    for (int i = 0; i < yv.length; i++) {
      yv[i] = yv[i] + b[(int) ((i / hw) % c)];
    }
    y.writeF(0, yv, 0, yv.length);
  }

  private static void biasGrad(SimLaunch l) {
    int n = l.i32("N");
    int c = l.i32("C");
    long hw = l.i64("HW");
    float[] dy = read(l.view("dy"), 0, n * c * hw);
    View db = l.view("db");
    int threads = l.blockX();
    long count = n * hw;
    float[] partial = new float[threads];
    for (int ch = 0; ch < c; ch++) {
      for (int t = 0; t < threads; t++) {
        float sum = 0f;
        for (long j = t; j < count; j += threads) {
          long s = j / hw;
          long i = j % hw;
          sum = sum + dy[(int) ((s * c + ch) * hw + i)];
        }
        partial[t] = sum;
      }
      db.putF(ch, BlockReduce.sumFloat(partial));
    }
  }

  private static void depthwiseForward(SimLaunch l) {
    int n = l.i32("N");
    int inC = l.i32("inC");
    int h = l.i32("H");
    int w = l.i32("W");
    int mult = l.i32("mult");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    int outC = inC * mult;
    float[] x = read(l.view("x"), 0, (long) n * inC * h * w);
    float[] wt = read(l.view("w"), 0, (long) outC * kH * kW);
    View biasView = l.view("bias");
    float[] bias = biasView == null ? null : read(biasView, 0, outC);
    float[] y = new float[n * outC * outH * outW];
    for (int idx = 0; idx < y.length; idx++) {
      int ow = idx % outW;
      int oh = (idx / outW) % outH;
      int oc = (idx / (outW * outH)) % outC;
      int s = idx / (outW * outH * outC);
      int xc = (s * inC + oc / mult) * h * w;
      int wc = oc * kH * kW;
      float acc = 0f;
      for (int kh = 0; kh < kH; kh++) {
        int ih = oh * stride - pad + kh;
        if (ih < 0 || ih >= h) {
          continue;
        }
        for (int kw = 0; kw < kW; kw++) {
          int iw = ow * stride - pad + kw;
          if (iw >= 0 && iw < w) {
            acc = Math.fma(wt[wc + kh * kW + kw], x[xc + ih * w + iw], acc);
          }
        }
      }
      y[idx] = bias != null ? acc + bias[oc] : acc;
    }
    l.view("y").writeF(0, y, 0, y.length);
  }

  private static void depthwiseBackwardInput(SimLaunch l) {
    int n = l.i32("N");
    int inC = l.i32("inC");
    int h = l.i32("H");
    int w = l.i32("W");
    int mult = l.i32("mult");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    int outC = inC * mult;
    float[] dy = read(l.view("dy"), 0, (long) n * outC * outH * outW);
    float[] wt = read(l.view("w"), 0, (long) outC * kH * kW);
    float[] dx = new float[n * inC * h * w];
    for (int idx = 0; idx < dx.length; idx++) {
      int iw = idx % w;
      int ih = (idx / w) % h;
      int ic = (idx / (w * h)) % inC;
      int s = idx / (w * h * inC);
      float sum = 0f;
      for (int m = 0; m < mult; m++) {
        int oc = ic * mult + m;
        int dyc = (s * outC + oc) * outH * outW;
        int wc = oc * kH * kW;
        for (int kh = 0; kh < kH; kh++) {
          int oh = tapOutput(ih, kh, pad, stride, outH);
          if (oh < 0) {
            continue;
          }
          for (int kw = 0; kw < kW; kw++) {
            int ow = tapOutput(iw, kw, pad, stride, outW);
            if (ow < 0) {
              continue;
            }
            sum = Math.fma(dy[dyc + oh * outW + ow], wt[wc + kh * kW + kw], sum);
          }
        }
      }
      dx[idx] = sum;
    }
    l.view("dx").writeF(0, dx, 0, dx.length);
  }

  private static void depthwiseBackwardWeight(SimLaunch l) {
    int n = l.i32("N");
    int inC = l.i32("inC");
    int h = l.i32("H");
    int w = l.i32("W");
    int mult = l.i32("mult");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    int outC = inC * mult;
    int outHW = outH * outW;
    float[] x = read(l.view("x"), 0, (long) n * inC * h * w);
    float[] dy = read(l.view("dy"), 0, (long) n * outC * outHW);
    View dw = l.view("dw");
    int threads = l.blockX();
    long count = (long) n * outHW;
    float[] partial = new float[threads];
    int weights = outC * kH * kW;
    for (int e = 0; e < weights; e++) {
      int kw = e % kW;
      int kh = (e / kW) % kH;
      int oc = e / (kW * kH);
      for (int t = 0; t < threads; t++) {
        float sum = 0f;
        for (long j = t; j < count; j += threads) {
          int s = (int) (j / outHW);
          int pix = (int) (j % outHW);
          int oh = pix / outW;
          int ow = pix % outW;
          int ih = oh * stride - pad + kh;
          int iw = ow * stride - pad + kw;
          if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
            continue;
          }
          sum = Math.fma(dy[(s * outC + oc) * outHW + pix], x[((s * inC + oc / mult) * h + ih) * w + iw], sum);
        }
        partial[t] = sum;
      }
      dw.putF(e, BlockReduce.sumFloat(partial));
    }
  }

  /**
   * The output coordinate that input coordinate {@code in} reaches through kernel tap {@code k}
   * ({@code out * stride - pad + k = in}), or -1 when no output position does (a gather in a
   * transposed convolution: col2im, input gradients). One definition for every reference.
   */
  static int tapOutput(int in, int k, int pad, int stride, int outSize) {
    int scaled = in + pad - k;
    if (scaled < 0 || scaled % stride != 0) {
      return -1;
    }
    int out = scaled / stride;
    return out < outSize ? out : -1;
  }
}

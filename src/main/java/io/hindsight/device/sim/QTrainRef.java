package io.hindsight.device.sim;

import io.hindsight.cuda.QuantizeRef;
import io.hindsight.cuda.QuantStats;
import io.hindsight.quant.math.SteMaskBits;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * References of qtrain.cu (fully quantized training on the device), bit-exact: producers compute
 * their value exactly as their fp32 twins (batch norm with {@link NormPoolRef}'s reductions) and
 * quantize it through {@link QOut}; integer sums are exact.
 */
final class QTrainRef {
  private QTrainRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("quantize_channels", QTrainRef::quantizeChannels);
    refs.put("quantize_weights_t", QTrainRef::quantizeWeightsTransposed);
    refs.put("act_quant_fwd", QTrainRef::actQuantForward);
    refs.put("bn_act_quant_fwd", QTrainRef::bnActQuantForward);
    refs.put("maxpool_quant_fwd", QTrainRef::maxpoolQuantForward);
    refs.put("gap_quant_fwd", QTrainRef::gapQuantForward);
    refs.put("add_act_quant_fwd", QTrainRef::addActQuantForward);
    refs.put("softmax_bwd_quant", QTrainRef::softmaxBackwardQuant);
    refs.put("act_bwd_quant", QTrainRef::actBackwardQuant);
    refs.put("bn_act_bwd_quant", QTrainRef::bnActBackwardQuant);
    refs.put("im2col_s8_t", QTrainRef::im2colTransposed);
    refs.put("col2im_t", QTrainRef::col2imTransposed);
    refs.put("nchw_to_nhwc_s8", QTrainRef::nchwToNhwc);
    refs.put("bias_grad_s8", QTrainRef::biasGradS8);
    refs.put("apply_mask", QTrainRef::applyMask);
    refs.put("dwconv_s8_fwd", QTrainRef::dwForward);
    refs.put("dwconv_s8_bwd_input", QTrainRef::dwBackwardInput);
    refs.put("dwconv_s8_bwd_weight", QTrainRef::dwBackwardWeight);
  }

  private static byte[] bytes(View v, long n) {
    byte[] a = new byte[Math.toIntExact(n)];
    v.readB(0, a, 0, a.length);
    return a;
  }

  /** The activation of the fused kernels: none, or clamp to [0, upper] with NaN passing (relu_fwd's). */
  private static float activate(boolean act, float v, float upper) {
    return act ? ElementwiseRef.relu(v, upper) : v;
  }

  private static void quantizeChannels(SimLaunch l) {
    long n = l.i64("n");
    int channels = l.i32("channels");
    long inner = n / channels;
    float[] x = ConvRef.read(l.view("x"), 0, inner * channels);
    float[] scale = ConvRef.read(l.view("scale"), 0, channels);
    int[] levels = new int[3 * channels];
    l.view("levels").readI(0, levels, 0, levels.length);
    View q = l.view("q");
    View stats = l.view("stats");
    for (int c = 0; c < channels; c++) {
      QOut o = new QOut(q, scale[c], levels[3 * c], levels[3 * c + 1], levels[3 * c + 2], l.flag("stochastic"),
          l.i64("key"));
      for (long i = 0; i < inner; i++) {
        long idx = c * inner + i;
        o.put(idx, x[(int) idx]);
      }
      o.commitTo(stats, c);
    }
  }

  /**
   * quantize_weights_t: x (out, inner) into the forward codes q (out, inner), per channel
   * (channels = out: scale[o], levels[3o..3o+2], statistics into stats[o]) or per tensor (channels =
   * 1: the t parameters, statistics into stats[0]), and the transposed per-tensor codes qT (inner,
   * out): per channel with the t parameters and nearest rounding, per tensor the forward code.
   */
  private static void quantizeWeightsTransposed(SimLaunch l) {
    int out = l.i32("out");
    int inner = l.i32("inner");
    boolean perChannel = l.i32("channels") > 1;
    float tScale = l.f32("tScale");
    int tZeroPoint = l.i32("tZeroPoint");
    int tLo = l.i32("tLo");
    int tHi = l.i32("tHi");
    float[] x = ConvRef.read(l.view("x"), 0, (long) out * inner);
    float[] scale = perChannel ? ConvRef.read(l.view("scale"), 0, out) : null;
    int[] levels = new int[perChannel ? 3 * out : 0];
    if (perChannel) {
      l.view("levels").readI(0, levels, 0, levels.length);
    }
    View q = l.view("q");
    View qT = l.view("qT");
    View stats = l.view("stats");
    boolean stochastic = l.flag("stochastic");
    long key = l.i64("key");
    for (int o = 0; o < out; o++) {
      QOut f = perChannel
          ? new QOut(q, scale[o], levels[3 * o], levels[3 * o + 1], levels[3 * o + 2], stochastic, key)
          : new QOut(q, tScale, tZeroPoint, tLo, tHi, stochastic, key);
      for (int i = 0; i < inner; i++) {
        long idx = (long) o * inner + i;
        byte code = f.put(idx, x[(int) idx]);
        qT.putB((long) i * out + o, perChannel ? (byte) QuantizeRef.code(x[(int) idx], tScale, tZeroPoint, tLo, tHi, false, 0, idx)
            : code);
      }
      f.commitTo(stats, perChannel ? o : 0);
    }
  }

  private static void actQuantForward(SimLaunch l) {
    long n = l.i64("n");
    boolean act = l.flag("act");
    float upper = l.f32("upper");
    float[] x = ConvRef.read(l.view("x"), 0, n);
    View y = l.view("y");
    QOut o = QOut.of(l);
    for (int i = 0; i < x.length; i++) {
      x[i] = activate(act, x[i], upper);
      o.put(i, x[i]);
    }
    if (y != null) {
      y.writeF(0, x, 0, x.length);
    }
    o.commit();
  }

  private static void bnActQuantForward(SimLaunch l) {
    int n = l.i32("N");
    int channels = l.i32("C");
    int hw = l.i32("HW");
    boolean training = l.flag("training");
    float momentum = l.f32("momentum");
    float eps = l.f32("eps");
    boolean act = l.flag("act");
    float upper = l.f32("upper");
    float[] x = ConvRef.read(l.view("x"), 0, (long) n * channels * hw);
    float[] gamma = ConvRef.read(l.view("gamma"), 0, channels);
    float[] beta = ConvRef.read(l.view("beta"), 0, channels);
    View rmv = l.view("runningMean");
    View rvv = l.view("runningVar");
    View xhatView = l.view("xhat");
    View yView = l.view("y");
    View maskView = l.view("actMask");
    View invStd = l.view("invStd");
    float[] xhat = new float[x.length];
    float[] y = new float[x.length];
    QOut o = QOut.of(l);
    int segments = l.gridY();
    View sums = l.view("sums");
    View squares = l.view("squares");
    long count = (long) n * hw;
    for (int c = 0; c < channels; c++) {
      float mean;
      float var;
      if (training) {
        double m = NormPoolRef.total(sums, c, segments) / (double) count;
        double sq = NormPoolRef.total(squares, c, segments);
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
      for (long j = 0; j < count; j++) {
        int idx = NormPoolRef.index(j, c, channels, hw);
        float v = (x[idx] - mean) * is;
        xhat[idx] = v;
        float pre = gamma[c] * v + beta[c];
        float out = activate(act, pre, upper);
        if (act && maskView != null) {
          maskView.putB(idx, (byte) (pre > 0f && pre < upper ? 1 : 0));
        }
        y[idx] = out;
        o.put(idx, out);
      }
    }
    if (xhatView != null) {
      xhatView.writeF(0, xhat, 0, xhat.length);
    }
    if (yView != null) {
      yView.writeF(0, y, 0, y.length);
    }
    o.commit();
  }

  private static void maxpoolQuantForward(SimLaunch l) {
    int planes = l.i32("planes");
    int h = l.i32("H");
    int w = l.i32("W");
    int k = l.i32("k");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    float[] x = ConvRef.read(l.view("x"), 0, (long) planes * h * w);
    int total = planes * outH * outW;
    float[] y = new float[total];
    View argmax = l.view("argmax");
    QOut o = QOut.of(l);
    for (int idx = 0; idx < total; idx++) {
      int j = idx % outW;
      int i = (idx / outW) % outH;
      int plane = idx / (outW * outH);
      int xb = plane * h * w;
      float best = Float.NEGATIVE_INFINITY;
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
          if (v > best || bestIdx < 0 || v != v) {
            best = v;
            bestIdx = xi;
          }
        }
      }
      argmax.putI(idx, bestIdx);
      y[idx] = best;
      o.put(idx, best);
    }
    View yView = l.view("y");
    if (yView != null) {
      yView.writeF(0, y, 0, total);
    }
    o.commit();
  }

  private static void gapQuantForward(SimLaunch l) {
    int planes = l.i32("planes");
    int hw = l.i32("hw");
    float[] x = ConvRef.read(l.view("x"), 0, (long) planes * hw);
    float[] y = new float[planes];
    QOut o = QOut.of(l);
    for (int p = 0; p < planes; p++) {
      float sum = 0f;
      for (int i = 0; i < hw; i++) {
        sum = sum + x[p * hw + i];
      }
      y[p] = sum / (float) hw;
      o.put(p, y[p]);
    }
    View yView = l.view("y");
    if (yView != null) {
      yView.writeF(0, y, 0, planes);
    }
    o.commit();
  }

  private static void addActQuantForward(SimLaunch l) {
    long n = l.i64("n");
    boolean act = l.flag("act");
    float upper = l.f32("upper");
    float[] a = ConvRef.read(l.view("a"), 0, n);
    float[] b = ConvRef.read(l.view("b"), 0, n);
    View maskView = l.view("actMask");
    QOut o = QOut.of(l);
    QOut o2 = QOut.of(l, "q2");
    for (int i = 0; i < a.length; i++) {
      float pre = a[i] + b[i];
      a[i] = activate(act, pre, upper);
      if (act && maskView != null) {
        maskView.putB(i, (byte) (pre > 0f && pre < upper ? 1 : 0));
      }
      o.put(i, a[i]);
      o2.put(i, a[i]);
    }
    View yView = l.view("y");
    if (yView != null) {
      yView.writeF(0, a, 0, a.length);
    }
    o.commit();
    o2.commit();
  }

  private static void softmaxBackwardQuant(SimLaunch l) {
    int n = l.i32("N");
    int k = l.i32("K");
    float[] p = ConvRef.read(l.view("probs"), 0, (long) n * k);
    int[] labels = new int[n];
    l.view("labels").readI(0, labels, 0, n);
    float inv = 1f / (float) n;
    QOut o = QOut.of(l);
    for (int idx = 0; idx < p.length; idx++) {
      float v = p[idx];
      if (idx % k == labels[idx / k]) {
        v = v - 1f;
      }
      p[idx] = v * inv;
      o.put(idx, p[idx]);
    }
    View dz = l.view("dz");
    if (dz != null) {
      dz.writeF(0, p, 0, p.length);
    }
    o.commit();
  }

  private static void actBackwardQuant(SimLaunch l) {
    long n = l.i64("n");
    float upper = l.f32("upper");
    View maskView = l.view("mask");
    float[] x = maskView == null ? ConvRef.read(l.view("x"), 0, n) : null;
    byte[] mask = maskView == null ? null : bytes(maskView, n);
    float[] dy = ConvRef.read(l.view("dy"), 0, n);
    QOut o = QOut.of(l);
    for (int i = 0; i < dy.length; i++) {
      boolean pass = mask != null ? mask[i] != 0 : x[i] > 0f && x[i] < upper;
      dy[i] = pass ? dy[i] : 0f;
      o.put(i, dy[i]);
    }
    View dx = l.view("dx");
    if (dx != null) {
      dx.writeF(0, dy, 0, dy.length);
    }
    o.commit();
  }

  private static void bnActBackwardQuant(SimLaunch l) {
    int n = l.i32("N");
    int channels = l.i32("C");
    int hw = l.i32("HW");
    boolean training = l.flag("training");
    long total = (long) n * channels * hw;
    float[] dy = ConvRef.read(l.view("dy"), 0, total);
    View maskView = l.view("actMask");
    if (maskView != null) {
      byte[] mask = bytes(maskView, total);
      for (int i = 0; i < dy.length; i++) {
        if (mask[i] == 0) {
          dy[i] = 0f;
        }
      }
    }
    float[] xhat = ConvRef.read(l.view("xhat"), 0, total);
    float[] gamma = ConvRef.read(l.view("gamma"), 0, channels);
    float[] invStd = ConvRef.read(l.view("invStd"), 0, channels);
    View dgamma = l.view("dgamma");
    View dbeta = l.view("dbeta");
    float[] dx = new float[(int) total];
    QOut o = QOut.of(l);
    int segments = l.gridY();
    View sumDy = l.view("sumDy");
    View sumDyXhat = l.view("sumDyXhat");
    long count = (long) n * hw;
    for (int c = 0; c < channels; c++) {
      double sdy = NormPoolRef.total(sumDy, c, segments);
      double sdyx = NormPoolRef.total(sumDyXhat, c, segments);
      dbeta.putF(c, (float) sdy);
      dgamma.putF(c, (float) sdyx);
      float scale = gamma[c] * invStd[c];
      float meanDy = (float) (sdy / (double) count);
      float meanDyXh = (float) (sdyx / (double) count);
      for (long j = 0; j < count; j++) {
        int idx = NormPoolRef.index(j, c, channels, hw);
        dx[idx] = training ? scale * (dy[idx] - meanDy - xhat[idx] * meanDyXh) : scale * dy[idx];
        o.put(idx, dx[idx]);
      }
    }
    View dxView = l.view("dx");
    if (dxView != null) {
      dxView.writeF(0, dx, 0, dx.length);
    }
    o.commit();
  }

  private static void im2colTransposed(SimLaunch l) {
    int n = l.i32("N");
    int c = l.i32("C");
    int h = l.i32("H");
    int w = l.i32("W");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    byte padCode = (byte) l.i32("padCode");
    int outHW = outH * outW;
    int k = c * kH * kW;
    byte[] x = bytes(l.view("x"), (long) n * c * h * w);
    byte[] col = new byte[n * outHW * k];
    // colT (N * outH * outW, C * kH * kW): row (sample, pixel), column (channel, tap)
    int idx = 0;
    for (int s = 0; s < n; s++) {
      for (int pix = 0; pix < outHW; pix++) {
        int ih0 = pix / outW * stride - pad;
        int iw0 = pix % outW * stride - pad;
        for (int ch = 0; ch < c; ch++) {
          int plane = (s * c + ch) * h;
          for (int kh = 0; kh < kH; kh++) {
            int ih = ih0 + kh;
            for (int kw = 0; kw < kW; kw++, idx++) {
              int iw = iw0 + kw;
              col[idx] = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(plane + ih) * w + iw] : padCode;
            }
          }
        }
      }
    }
    l.view("colT").writeB(0, col, 0, col.length);
  }

  private static void col2imTransposed(SimLaunch l) {
    int n = l.i32("N");
    int c = l.i32("C");
    int h = l.i32("H");
    int w = l.i32("W");
    int kH = l.i32("kH");
    int kW = l.i32("kW");
    int stride = l.i32("stride");
    int pad = l.i32("pad");
    int outH = l.i32("outH");
    int outW = l.i32("outW");
    int outHW = outH * outW;
    int k = c * kH * kW;
    float[] dcol = ConvRef.read(l.view("dcolT"), 0, (long) n * outHW * k);
    float[] dx = new float[n * c * h * w];
    // each element's sum is its own (taps in the kernel's order), so samples run side by side
    int perSample = c * h * w;
    IntStream.range(0, n).parallel().forEach(s -> {
      for (int idx = s * perSample; idx < (s + 1) * perSample; idx++) {
        col2imElement(dcol, dx, idx, s, c, h, w, kH, kW, stride, pad, outH, outW, k);
      }
    });
    l.view("dx").writeF(0, dx, 0, dx.length);
  }

  /** One element of col2im_t: the taps that touch it, summed in (kh, kw) order as the kernel does. */
  private static void col2imElement(float[] dcol, float[] dx, int idx, int s, int c, int h, int w, int kH, int kW,
      int stride, int pad, int outH, int outW, int k) {
    int outHW = outH * outW;
    int iw = idx % w;
    int ih = (idx / w) % h;
    int ch = (idx / (w * h)) % c;
    float sum = 0f;
    for (int kh = 0; kh < kH; kh++) {
      int oh = ConvRef.tapOutput(ih, kh, pad, stride, outH);
      if (oh < 0) {
        continue;
      }
      for (int kw = 0; kw < kW; kw++) {
        int ow = ConvRef.tapOutput(iw, kw, pad, stride, outW);
        if (ow < 0) {
          continue;
        }
        int row = (ch * kH + kh) * kW + kw;
        sum = sum + dcol[(s * outHW + oh * outW + ow) * k + row];
      }
    }
    dx[idx] = sum;
  }

  private static void nchwToNhwc(SimLaunch l) {
    int n = l.i32("N");
    int c = l.i32("C");
    long hw = l.i64("HW");
    byte[] in = bytes(l.view("in"), n * c * hw);
    View out = l.view("out");
    for (int idx = 0; idx < in.length; idx++) {
      int ch = idx % c;
      long p = (idx / c) % hw;
      long s = idx / (c * hw);
      out.putB(idx, in[(int) ((s * c + ch) * hw + p)]);
    }
  }

  private static void biasGradS8(SimLaunch l) {
    int n = l.i32("N");
    int c = l.i32("C");
    long hw = l.i64("HW");
    int zp = l.i32("zeroPoint");
    float scale = l.f32("scale");
    byte[] dy = bytes(l.view("dy"), n * c * hw);
    View db = l.view("db");
    for (int ch = 0; ch < c; ch++) {
      long sum = 0;
      for (int s = 0; s < n; s++) {
        for (long i = 0; i < hw; i++) {
          sum += dy[(int) ((s * (long) c + ch) * hw + i)] - zp;
        }
      }
      db.putF(ch, (float) sum * scale);
    }
  }

  private static void applyMask(SimLaunch l) {
    long n = l.i64("n");
    View x = l.view("x");
    View m = l.view("mask");
    View summary = l.view("maskSummary");
    int[] marked = new int[Math.toIntExact(SteMaskBits.summaryWords(n))];
    summary.readI(0, marked, 0, marked.length);
    for (int s = 0; s < marked.length; s++) {
      if (marked[s] == 0) {
        continue;
      }
      for (int t = marked[s]; t != 0; t &= t - 1) {
        long j = (long) s * SteMaskBits.BITS_PER_WORD + Integer.numberOfTrailingZeros(t);
        for (int b = m.getI(j); b != 0; b &= b - 1) {
          x.putF(j * SteMaskBits.BITS_PER_WORD + Integer.numberOfTrailingZeros(b), 0f);
        }
        m.putI(j, 0);
      }
      summary.putI(s, 0);
    }
  }

  private static void dwForward(SimLaunch l) {
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
    float scaleX = l.f32("scaleX");
    int zpX = l.i32("zeroPointX");
    int outC = inC * mult;
    byte[] x = bytes(l.view("x"), (long) n * inC * h * w);
    byte[] wt = bytes(l.view("w"), (long) outC * kH * kW);
    float[] scaleW = ConvRef.read(l.view("scaleW"), 0, outC);
    View biasView = l.view("bias");
    float[] bias = biasView == null ? null : ConvRef.read(biasView, 0, outC);
    float[] y = new float[n * outC * outH * outW];
    for (int idx = 0; idx < y.length; idx++) {
      int ow = idx % outW;
      int oh = (idx / outW) % outH;
      int oc = (idx / (outW * outH)) % outC;
      int s = idx / (outW * outH * outC);
      int xc = (s * inC + oc / mult) * h * w;
      int wc = oc * kH * kW;
      int acc = 0;
      for (int kh = 0; kh < kH; kh++) {
        int ih = oh * stride - pad + kh;
        if (ih < 0 || ih >= h) {
          continue;
        }
        for (int kw = 0; kw < kW; kw++) {
          int iw = ow * stride - pad + kw;
          if (iw >= 0 && iw < w) {
            acc += (x[xc + ih * w + iw] - zpX) * wt[wc + kh * kW + kw];
          }
        }
      }
      float v = ((float) acc * scaleX) * scaleW[oc];
      y[idx] = bias != null ? v + bias[oc] : v;
    }
    l.view("y").writeF(0, y, 0, y.length);
  }

  private static void dwBackwardInput(SimLaunch l) {
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
    float scaleDy = l.f32("scaleDy");
    int zpDy = l.i32("zeroPointDy");
    int outC = inC * mult;
    byte[] dy = bytes(l.view("dy"), (long) n * outC * outH * outW);
    byte[] wt = bytes(l.view("w"), (long) outC * kH * kW);
    float[] scaleW = ConvRef.read(l.view("scaleW"), 0, outC);
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
        int acc = 0;
        for (int kh = 0; kh < kH; kh++) {
          int oh = ConvRef.tapOutput(ih, kh, pad, stride, outH);
          if (oh < 0) {
            continue;
          }
          for (int kw = 0; kw < kW; kw++) {
            int ow = ConvRef.tapOutput(iw, kw, pad, stride, outW);
            if (ow < 0) {
              continue;
            }
            acc += (dy[dyc + oh * outW + ow] - zpDy) * wt[wc + kh * kW + kw];
          }
        }
        sum = sum + ((float) acc * scaleDy) * scaleW[oc];
      }
      dx[idx] = sum;
    }
    l.view("dx").writeF(0, dx, 0, dx.length);
  }

  private static void dwBackwardWeight(SimLaunch l) {
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
    float scaleX = l.f32("scaleX");
    int zpX = l.i32("zeroPointX");
    float scaleDy = l.f32("scaleDy");
    int zpDy = l.i32("zeroPointDy");
    int outC = inC * mult;
    int outHW = outH * outW;
    byte[] x = bytes(l.view("x"), (long) n * inC * h * w);
    byte[] dy = bytes(l.view("dy"), (long) n * outC * outHW);
    View dw = l.view("dw");
    int weights = outC * kH * kW;
    for (int e = 0; e < weights; e++) {
      int kw = e % kW;
      int kh = (e / kW) % kH;
      int oc = e / (kW * kH);
      long sum = 0;
      for (int s = 0; s < n; s++) {
        for (int pix = 0; pix < outHW; pix++) {
          int ih = pix / outW * stride - pad + kh;
          int iw = pix % outW * stride - pad + kw;
          if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
            continue;
          }
          sum += (long) (dy[(s * outC + oc) * outHW + pix] - zpDy) * (x[((s * inC + oc / mult) * h + ih) * w + iw] - zpX);
        }
      }
      dw.putF(e, ((float) sum * scaleDy) * scaleX);
    }
  }
}

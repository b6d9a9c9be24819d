package io.hindsight.backend;

import java.util.Arrays;

/**
 * Convolution on the CPU: im2col + GEMM per sample and group, parallel over the batch; depthwise
 * convolutions (one input channel per group) use a direct loop instead of tiny GEMMs. Weight and
 * bias gradients are reduced over {@link CpuBackend#REDUCTION_CHUNKS} fixed batch chunks, summed
 * in chunk order, so results do not depend on the thread count.
 */
final class CpuConv {
  private CpuConv() {}

  static void forward(Backend be, ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
    checkSizes(g, x, w, y);
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    boolean depthwise = g.inPerGroup() == 1 && g.groups() > 1;
    boolean pointwise = g.kH() == 1 && g.kW() == 1 && g.stride() == 1 && g.padding() == 0;
    be.parallelChunks(g.n(), Math.min(g.n(), be.threads() * 2), (chunk, n0, n1) -> {
      float[] col = depthwise || pointwise ? null : new float[g.colRows() * outHW];
      for (int s = n0; s < n1; s++) {
        int xBase = s * g.inC() * inHW;
        int yBase = s * g.outC() * outHW;
        if (depthwise) {
          depthwiseForward(g, x, xBase, w, y, yBase);
        } else {
          for (int grp = 0; grp < g.groups(); grp++) {
            int xg = xBase + grp * g.inPerGroup() * inHW;
            float[] src;
            int srcOff;
            if (pointwise) {
              src = x;
              srcOff = xg;
            } else {
              im2col(g, x, xg, col);
              src = col;
              srcOff = 0;
            }
            be.gemm(false, false, g.outPerGroup(), outHW, g.colRows(), 1f,
                w, grp * g.outPerGroup() * g.colRows(), g.colRows(),
                src, srcOff, outHW, 0f, y, yBase + grp * g.outPerGroup() * outHW, outHW);
          }
        }
        if (bias != null) {
          for (int oc = 0; oc < g.outC(); oc++) {
            int off = yBase + oc * outHW;
            float bv = bias[oc];
            for (int i = 0; i < outHW; i++) {
              y[off + i] += bv;
            }
          }
        }
      }
    });
  }

  static void backward(
      Backend be, ConvGeometry g, float[] x, float[] w, float[] dY, float[] dX, float[] dW, float[] dB) {
    checkSizes(g, x, w, dY);
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    int chunks = Math.min(g.n(), CpuBackend.REDUCTION_CHUNKS);
    boolean depthwise = g.inPerGroup() == 1 && g.groups() > 1;
    boolean pointwise = g.kH() == 1 && g.kW() == 1 && g.stride() == 1 && g.padding() == 0;
    float[][] dWPart = dW == null ? null : new float[chunks][];
    float[][] dBPart = dB == null ? null : new float[chunks][];
    be.parallelChunks(g.n(), chunks, (chunk, n0, n1) -> {
      float[] col = depthwise || pointwise ? null : new float[g.colRows() * outHW];
      float[] dcol = depthwise || pointwise ? null : new float[g.colRows() * outHW];
      float[] pdW = dW == null ? null : new float[g.weightSize()];
      float[] pdB = dB == null ? null : new float[g.outC()];
      for (int s = n0; s < n1; s++) {
        int xBase = s * g.inC() * inHW;
        int yBase = s * g.outC() * outHW;
        if (pdB != null) {
          for (int oc = 0; oc < g.outC(); oc++) {
            int off = yBase + oc * outHW;
            float acc = 0f;
            for (int i = 0; i < outHW; i++) {
              acc += dY[off + i];
            }
            pdB[oc] += acc;
          }
        }
        if (depthwise) {
          depthwiseBackward(g, x, xBase, w, dY, yBase, dX, pdW);
          continue;
        }
        if (dX != null) {
          Arrays.fill(dX, xBase, xBase + g.inC() * inHW, 0f);
        }
        for (int grp = 0; grp < g.groups(); grp++) {
          int xg = xBase + grp * g.inPerGroup() * inHW;
          int wg = grp * g.outPerGroup() * g.colRows();
          int yg = yBase + grp * g.outPerGroup() * outHW;
          if (pdW != null) {
            float[] src;
            int srcOff;
            if (pointwise) {
              src = x;
              srcOff = xg;
            } else {
              im2col(g, x, xg, col);
              src = col;
              srcOff = 0;
            }
            // dW_g (outPerGroup, colRows) += dY_g (outPerGroup, outHW) * col^T (outHW, colRows)
            be.gemm(false, true, g.outPerGroup(), g.colRows(), outHW, 1f,
                dY, yg, outHW, src, srcOff, outHW, 1f, pdW, wg, g.colRows());
          }
          if (dX != null) {
            if (pointwise) {
              // dX_g (colRows, outHW) = W_g^T (colRows, outPerGroup) * dY_g
              be.gemm(true, false, g.colRows(), outHW, g.outPerGroup(), 1f,
                  w, wg, g.colRows(), dY, yg, outHW, 0f, dX, xg, outHW);
            } else {
              be.gemm(true, false, g.colRows(), outHW, g.outPerGroup(), 1f,
                  w, wg, g.colRows(), dY, yg, outHW, 0f, dcol, 0, outHW);
              col2im(g, dcol, dX, xg);
            }
          }
        }
      }
      if (dWPart != null) {
        dWPart[chunk] = pdW;
      }
      if (dBPart != null) {
        dBPart[chunk] = pdB;
      }
    });
    if (dW != null) {
      sumChunks(dWPart, dW);
    }
    if (dB != null) {
      sumChunks(dBPart, dB);
    }
  }

  private static void sumChunks(float[][] parts, float[] out) {
    Arrays.fill(out, 0f);
    for (float[] p : parts) {
      if (p == null) {
        continue;
      }
      for (int i = 0; i < out.length; i++) {
        out[i] += p[i];
      }
    }
  }

  /** Unfolds one group of one sample into {@code col (inPerGroup*kH*kW, outH*outW)}. */
  static void im2col(ConvGeometry g, float[] x, int xOff, float[] col) {
    int outH = g.outH();
    int outW = g.outW();
    int inH = g.inH();
    int inW = g.inW();
    int stride = g.stride();
    int pad = g.padding();
    int row = 0;
    for (int c = 0; c < g.inPerGroup(); c++) {
      int xc = xOff + c * inH * inW;
      for (int kh = 0; kh < g.kH(); kh++) {
        for (int kw = 0; kw < g.kW(); kw++) {
          int dst = row * outH * outW;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - pad + kh;
            int d = dst + oh * outW;
            if (ih < 0 || ih >= inH) {
              Arrays.fill(col, d, d + outW, 0f);
              continue;
            }
            int xr = xc + ih * inW;
            for (int ow = 0; ow < outW; ow++) {
              int iw = ow * stride - pad + kw;
              col[d + ow] = iw >= 0 && iw < inW ? x[xr + iw] : 0f;
            }
          }
          row++;
        }
      }
    }
  }

  /** Folds {@code col} back, adding into one group of one sample of {@code dX}. */
  static void col2im(ConvGeometry g, float[] col, float[] dX, int xOff) {
    int outH = g.outH();
    int outW = g.outW();
    int inH = g.inH();
    int inW = g.inW();
    int stride = g.stride();
    int pad = g.padding();
    int row = 0;
    for (int c = 0; c < g.inPerGroup(); c++) {
      int xc = xOff + c * inH * inW;
      for (int kh = 0; kh < g.kH(); kh++) {
        for (int kw = 0; kw < g.kW(); kw++) {
          int src = row * outH * outW;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - pad + kh;
            if (ih < 0 || ih >= inH) {
              continue;
            }
            int xr = xc + ih * inW;
            int s = src + oh * outW;
            for (int ow = 0; ow < outW; ow++) {
              int iw = ow * stride - pad + kw;
              if (iw >= 0 && iw < inW) {
                dX[xr + iw] += col[s + ow];
              }
            }
          }
          row++;
        }
      }
    }
  }

  /** First output column whose input column {@code ow*stride - pad + kw} is >= 0. */
  private static int firstValid(int kw, int stride, int pad) {
    int v = pad - kw;
    return v <= 0 ? 0 : (v + stride - 1) / stride;
  }

  /** One past the last output column whose input column is < inW. */
  private static int endValid(int kw, int stride, int pad, int inW, int outW) {
    int v = inW - 1 + pad - kw; // largest ow*stride allowed
    if (v < 0) {
      return 0;
    }
    return Math.min(outW, v / stride + 1);
  }

  private static void depthwiseForward(ConvGeometry g, float[] x, int xBase, float[] w, float[] y, int yBase) {
    int outH = g.outH();
    int outW = g.outW();
    int inH = g.inH();
    int inW = g.inW();
    int kH = g.kH();
    int kW = g.kW();
    int stride = g.stride();
    int pad = g.padding();
    int mult = g.outPerGroup();
    for (int oc = 0; oc < g.outC(); oc++) {
      int xc = xBase + (oc / mult) * inH * inW;
      int yc = yBase + oc * outH * outW;
      int wc = oc * kH * kW;
      Arrays.fill(y, yc, yc + outH * outW, 0f);
      for (int kh = 0; kh < kH; kh++) {
        for (int kw = 0; kw < kW; kw++) {
          float wv = w[wc + kh * kW + kw];
          int lo = firstValid(kw, stride, pad);
          int hi = endValid(kw, stride, pad, inW, outW);
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - pad + kh;
            if (ih < 0 || ih >= inH) {
              continue;
            }
            int yr = yc + oh * outW;
            int xr = xc + ih * inW - pad + kw;
            for (int ow = lo; ow < hi; ow++) {
              y[yr + ow] += wv * x[xr + ow * stride];
            }
          }
        }
      }
    }
  }

  private static void depthwiseBackward(
      ConvGeometry g, float[] x, int xBase, float[] w, float[] dY, int yBase, float[] dX, float[] pdW) {
    int outH = g.outH();
    int outW = g.outW();
    int inH = g.inH();
    int inW = g.inW();
    int kH = g.kH();
    int kW = g.kW();
    int stride = g.stride();
    int pad = g.padding();
    int mult = g.outPerGroup();
    if (dX != null) {
      Arrays.fill(dX, xBase, xBase + g.inC() * inH * inW, 0f);
    }
    for (int oc = 0; oc < g.outC(); oc++) {
      int xc = xBase + (oc / mult) * inH * inW;
      int yc = yBase + oc * outH * outW;
      int wc = oc * kH * kW;
      for (int kh = 0; kh < kH; kh++) {
        for (int kw = 0; kw < kW; kw++) {
          float wv = w[wc + kh * kW + kw];
          int lo = firstValid(kw, stride, pad);
          int hi = endValid(kw, stride, pad, inW, outW);
          float gw = 0f;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - pad + kh;
            if (ih < 0 || ih >= inH) {
              continue;
            }
            int yr = yc + oh * outW;
            int xr = xc + ih * inW - pad + kw;
            for (int ow = lo; ow < hi; ow++) {
              float gy = dY[yr + ow];
              gw += gy * x[xr + ow * stride];
              if (dX != null) {
                dX[xr + ow * stride] += gy * wv;
              }
            }
          }
          if (pdW != null) {
            pdW[wc + kh * kW + kw] += gw;
          }
        }
      }
    }
  }

  private static void checkSizes(ConvGeometry g, float[] x, float[] w, float[] y) {
    if (x.length < g.inputSize()) {
      throw new IllegalArgumentException("conv input has " + x.length + " values, needs " + g.inputSize());
    }
    if (w.length != g.weightSize()) {
      throw new IllegalArgumentException("conv weight has " + w.length + " values, needs " + g.weightSize());
    }
    if (y.length < g.outputSize()) {
      throw new IllegalArgumentException("conv output has " + y.length + " values, needs " + g.outputSize());
    }
  }
}

package io.hindsight.backend;

import java.util.Arrays;

/**
 * Convolution on the CPU: im2col + GEMM per sample and group, parallel over the batch; the backward
 * pass lays receptive fields out as rows (one per output pixel) for both gradient GEMMs; depthwise
 * convolutions (one input channel per group) use a direct loop instead of tiny GEMMs. Weight and
 * bias gradients are reduced over {@link CpuBackend#REDUCTION_CHUNKS} fixed batch chunks, summed
 * in chunk order, so results do not depend on the thread count.
 */
final class CpuConv {
  private static final boolean SIMD = SimdSupport.enabled();

  private CpuConv() {}

  /** Samples whose columns are multiplied in one GEMM, so that small images still give long rows. */
  static int samplesPerGemm(int outHW, int available) {
    return Math.max(1, Math.min(available, (512 + outHW - 1) / outHW));
  }

  static void forward(Backend be, ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
    g.checkArrays(x, w, y);
    int outHW = g.outH() * g.outW();
    boolean depthwise = g.inPerGroup() == 1 && g.groups() > 1;
    be.parallelChunks(g.n(), Math.min(g.n(), be.threads() * 2), (chunk, n0, n1) -> {
      if (depthwise) {
        for (int s = n0; s < n1; s++) {
          depthwiseForward(g, x, s * g.inC() * g.inH() * g.inW(), w, y, s * g.outC() * outHW);
        }
      } else {
        int per = samplesPerGemm(outHW, n1 - n0);
        float[] col = new float[g.colRows() * per * outHW];
        float[] tmp = new float[g.outPerGroup() * per * outHW];
        for (int s0 = n0; s0 < n1; s0 += per) {
          int cnt = Math.min(per, n1 - s0);
          int len = cnt * outHW;
          for (int grp = 0; grp < g.groups(); grp++) {
            unfold(g, x, s0, cnt, grp, col);
            // tmp (outPerGroup, cnt*outHW) = W_g (outPerGroup, colRows) * col (colRows, cnt*outHW)
            be.gemm(false, false, g.outPerGroup(), len, g.colRows(), 1f, w, grp * g.outPerGroup() * g.colRows(),
                g.colRows(), col, 0, len, 0f, tmp, 0, len);
            scatterRows(g, tmp, s0, cnt, grp, y);
          }
        }
      }
      if (bias != null) {
        for (int s = n0; s < n1; s++) {
          for (int oc = 0; oc < g.outC(); oc++) {
            int off = (s * g.outC() + oc) * outHW;
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
    g.checkArrays(x, w, dY);
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    int chunks = Math.min(g.n(), CpuBackend.REDUCTION_CHUNKS);
    boolean depthwise = g.inPerGroup() == 1 && g.groups() > 1;
    float[][] dWPart = dW == null ? null : new float[chunks][];
    float[][] dBPart = dB == null ? null : new float[chunks][];
    be.parallelChunks(g.n(), chunks, (chunk, n0, n1) -> {
      float[] pdW = dW == null ? null : new float[g.weightSize()];
      float[] pdB = dB == null ? null : new float[g.outC()];
      if (pdB != null) {
        for (int s = n0; s < n1; s++) {
          for (int oc = 0; oc < g.outC(); oc++) {
            int off = (s * g.outC() + oc) * outHW;
            float acc = 0f;
            for (int i = 0; i < outHW; i++) {
              acc += dY[off + i];
            }
            pdB[oc] += acc;
          }
        }
      }
      if (depthwise) {
        for (int s = n0; s < n1; s++) {
          depthwiseBackward(g, x, s * g.inC() * inHW, w, dY, s * g.outC() * outHW, dX, pdW);
        }
      } else {
        int per = samplesPerGemm(outHW, n1 - n0);
        // Receptive fields as rows (len, colRows in (kh, kw, c) order) for both gradients, so neither
        // GEMM packs a large operand transposed and the fold adds runs of C contiguous values
        // (not for 1x1 convolutions, whose operand is x itself)
        boolean fieldRows = !pointwise(g);
        float[] col = fieldRows ? null : new float[g.colRows() * per * outHW];
        float[] colT = fieldRows ? new float[g.colRows() * per * outHW] : null;
        float[] xt = fieldRows ? new float[g.inPerGroup() * inHW] : null;
        float[] dWg = fieldRows && pdW != null ? new float[g.outPerGroup() * g.colRows()] : null;
        float[] wf = fieldRows && dX != null ? new float[g.outPerGroup() * g.colRows()] : null;
        float[] dyg = new float[g.outPerGroup() * per * outHW];
        if (dX != null) {
          Arrays.fill(dX, n0 * g.inC() * inHW, n1 * g.inC() * inHW, 0f);
        }
        for (int s0 = n0; s0 < n1; s0 += per) {
          int cnt = Math.min(per, n1 - s0);
          int len = cnt * outHW;
          for (int grp = 0; grp < g.groups(); grp++) {
            int wg = grp * g.outPerGroup() * g.colRows();
            gatherRows(g, dY, s0, cnt, grp, dyg);
            if (fieldRows && pdW != null) {
              unfoldFieldRows(g, x, s0, cnt, grp, xt, colT);
              // dWg (outPerGroup, colRows in (kh, kw, c) order) = dY_g (outPerGroup, len) * colT (len, colRows)
              be.gemm(false, false, g.outPerGroup(), g.colRows(), len, 1f, dyg, 0, len, colT, 0, g.colRows(), 0f,
                  dWg, 0, g.colRows());
              addFieldOrder(g, dWg, pdW, wg);
            } else if (pdW != null) {
              unfold(g, x, s0, cnt, grp, col);
              // dW_g (outPerGroup, colRows) += dY_g (outPerGroup, len) * col^T (len, colRows)
              be.gemm(false, true, g.outPerGroup(), g.colRows(), len, 1f, dyg, 0, len, col, 0, len, 1f, pdW, wg,
                  g.colRows());
            }
            if (dX != null && fieldRows) {
              toFieldOrder(g, w, wg, wf);
              // dcolT (len, colRows in field order) = dY_g^T (len, outPerGroup) * Wf_g (outPerGroup, colRows)
              be.gemm(true, false, len, g.colRows(), g.outPerGroup(), 1f, dyg, 0, len, wf, 0, g.colRows(), 0f,
                  colT, 0, g.colRows());
              foldFieldRows(g, colT, s0, cnt, grp, xt, dX);
            } else if (dX != null) {
              // dcol (colRows, len) = W_g^T (colRows, outPerGroup) * dY_g (outPerGroup, len)
              be.gemm(true, false, g.colRows(), len, g.outPerGroup(), 1f, w, wg, g.colRows(), dyg, 0, len, 0f,
                  col, 0, len);
              foldPointwise(g, col, s0, cnt, grp, dX);
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

  private static boolean pointwise(ConvGeometry g) {
    return g.kH() == 1 && g.kW() == 1 && g.stride() == 1 && g.padding() == 0;
  }

  /** col (colRows, cnt*outHW): the im2col matrices of samples s0..s0+cnt side by side, for one group. */
  private static void unfold(ConvGeometry g, float[] x, int s0, int cnt, int grp, float[] col) {
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    int ld = cnt * outHW;
    for (int i = 0; i < cnt; i++) {
      int xg = ((s0 + i) * g.inC() + grp * g.inPerGroup()) * inHW;
      if (pointwise(g)) {
        for (int c = 0; c < g.inPerGroup(); c++) {
          System.arraycopy(x, xg + c * inHW, col, c * ld + i * outHW, outHW);
        }
      } else {
        im2col(g, x, xg, col, i * outHW, ld);
      }
    }
  }

  /**
   * colT (cnt*outHW, colRows): one row per output pixel holding its receptive field in (kh, kw, c)
   * order, zeros for padding. Each sample of the group is first laid out as (H, W, C), so a field is
   * kH*kW contiguous runs of C values (copied whole) instead of colRows scattered elements.
   */
  private static void unfoldFieldRows(ConvGeometry g, float[] x, int s0, int cnt, int grp, float[] xt,
      float[] colT) {
    int outH = g.outH();
    int outW = g.outW();
    int inH = g.inH();
    int inW = g.inW();
    int inHW = inH * inW;
    int ch = g.inPerGroup();
    int stride = g.stride();
    int pad = g.padding();
    int d = 0;
    for (int i = 0; i < cnt; i++) {
      transpose(x, ((s0 + i) * g.inC() + grp * ch) * inHW, ch, inHW, xt, 0, false); // (C, HW) -> (HW, C)
      for (int oh = 0; oh < outH; oh++) {
        for (int ow = 0; ow < outW; ow++) {
          for (int kh = 0; kh < g.kH(); kh++) {
            int ih = oh * stride - pad + kh;
            for (int kw = 0; kw < g.kW(); kw++) {
              int iw = ow * stride - pad + kw;
              boolean inside = ih >= 0 && ih < inH && iw >= 0 && iw < inW;
              if (SIMD) {
                if (inside) {
                  VectorOps.copy(xt, (ih * inW + iw) * ch, colT, d, ch);
                } else {
                  VectorOps.zero(colT, d, ch);
                }
              } else if (inside) {
                System.arraycopy(xt, (ih * inW + iw) * ch, colT, d, ch);
              } else {
                Arrays.fill(colT, d, d + ch, 0f);
              }
              d += ch;
            }
          }
        }
      }
    }
  }

  /**
   * Adds field rows colT (cnt*outHW, colRows in (kh, kw, c) order) back into the input gradients of
   * samples s0..s0+cnt, one group: through an (H, W, C) buffer, tap by tap, so every input element
   * receives its contributions in (kh, kw) order (the order of the im2col rows, as before).
   */
  private static void foldFieldRows(ConvGeometry g, float[] colT, int s0, int cnt, int grp, float[] xt,
      float[] dX) {
    int outW = g.outW();
    int outHW = g.outH() * outW;
    int inW = g.inW();
    int inHW = g.inH() * inW;
    int ch = g.inPerGroup();
    int rows = g.colRows();
    int stride = g.stride();
    int pad = g.padding();
    for (int i = 0; i < cnt; i++) {
      Arrays.fill(xt, 0, ch * inHW, 0f);
      for (int kh = 0; kh < g.kH(); kh++) {
        for (int kw = 0; kw < g.kW(); kw++) {
          int tap = (kh * g.kW() + kw) * ch;
          int lo = firstValid(kw, stride, pad);
          int hi = endValid(kw, stride, pad, inW, outW);
          for (int oh = 0; oh < g.outH(); oh++) {
            int ih = oh * stride - pad + kh;
            if (ih < 0 || ih >= g.inH()) {
              continue;
            }
            for (int ow = lo; ow < hi; ow++) {
              int src = (i * outHW + oh * outW + ow) * rows + tap;
              int dst = (ih * inW + ow * stride - pad + kw) * ch;
              if (SIMD) {
                VectorOps.addInto(xt, dst, colT, src, ch);
              } else {
                for (int c = 0; c < ch; c++) {
                  xt[dst + c] += colT[src + c];
                }
              }
            }
          }
        }
      }
      transpose(xt, 0, inHW, ch, dX, ((s0 + i) * g.inC() + grp * ch) * inHW, true); // (HW, C) -> (C, HW)
    }
  }

  /** wf (outPerGroup, (kh, kw, c)) = the group's weights w[wg + (oc, c, kh, kw)] in field order. */
  private static void toFieldOrder(ConvGeometry g, float[] w, int wg, float[] wf) {
    int taps = g.kH() * g.kW();
    for (int oc = 0; oc < g.outPerGroup(); oc++) {
      transpose(w, wg + oc * g.colRows(), g.inPerGroup(), taps, wf, oc * g.colRows(), false);
    }
  }

  /** pdW[wg + (oc, c, kh, kw)] += dWg[(oc, kh, kw, c)]: a field-order weight gradient added in weight order. */
  private static void addFieldOrder(ConvGeometry g, float[] dWg, float[] pdW, int wg) {
    int taps = g.kH() * g.kW();
    for (int oc = 0; oc < g.outPerGroup(); oc++) {
      transpose(dWg, oc * g.colRows(), taps, g.inPerGroup(), pdW, wg + oc * g.colRows(), true);
    }
  }

  /**
   * dst[dstOff + j * rows + i] = (or +=, when {@code add}) src[srcOff + i * cols + j]: the transpose
   * of a (rows, cols) block.
   */
  private static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff, boolean add) {
    for (int i = 0; i < rows; i++) {
      int from = srcOff + i * cols;
      if (add) {
        for (int j = 0; j < cols; j++) {
          dst[dstOff + j * rows + i] += src[from + j];
        }
      } else {
        for (int j = 0; j < cols; j++) {
          dst[dstOff + j * rows + i] = src[from + j];
        }
      }
    }
  }

  /** Adds a 1x1 convolution's col (inPerGroup, cnt*outHW) back into the input gradients of samples s0..s0+cnt. */
  private static void foldPointwise(ConvGeometry g, float[] col, int s0, int cnt, int grp, float[] dX) {
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    int ld = cnt * outHW;
    for (int i = 0; i < cnt; i++) {
      int xg = ((s0 + i) * g.inC() + grp * g.inPerGroup()) * inHW;
      for (int c = 0; c < g.inPerGroup(); c++) {
        int src = c * ld + i * outHW;
        int dst = xg + c * inHW;
        for (int j = 0; j < outHW; j++) {
          dX[dst + j] += col[src + j];
        }
      }
    }
  }

  /** Copies tmp (outPerGroup, cnt*outHW) into y (N, outC, outHW) for samples s0..s0+cnt, one group. */
  private static void scatterRows(ConvGeometry g, float[] tmp, int s0, int cnt, int grp, float[] y) {
    int outHW = g.outH() * g.outW();
    int len = cnt * outHW;
    for (int oc = 0; oc < g.outPerGroup(); oc++) {
      for (int i = 0; i < cnt; i++) {
        System.arraycopy(tmp, oc * len + i * outHW, y, ((s0 + i) * g.outC() + grp * g.outPerGroup() + oc) * outHW,
            outHW);
      }
    }
  }

  /** The inverse of {@link #scatterRows}: gathers dY of one group into (outPerGroup, cnt*outHW). */
  private static void gatherRows(ConvGeometry g, float[] dY, int s0, int cnt, int grp, float[] dyg) {
    int outHW = g.outH() * g.outW();
    int len = cnt * outHW;
    for (int oc = 0; oc < g.outPerGroup(); oc++) {
      for (int i = 0; i < cnt; i++) {
        System.arraycopy(dY, ((s0 + i) * g.outC() + grp * g.outPerGroup() + oc) * outHW, dyg, oc * len + i * outHW,
            outHW);
      }
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

  /** Unfolds one group of one sample into {@code col[colOff + row * ld + j]}, rows {@code inPerGroup*kH*kW}, j < outH*outW. */
  static void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff, int ld) {
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
          int lo = firstValid(kw, stride, pad);
          int hi = Math.max(lo, endValid(kw, stride, pad, inW, outW));
          int dst = colOff + row * ld;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - pad + kh;
            int d = dst + oh * outW;
            if (ih < 0 || ih >= inH) {
              Arrays.fill(col, d, d + outW, 0f);
              continue;
            }
            // the padding columns are few (pad / stride at each end): plain stores beat Arrays.fill calls
            for (int ow = 0; ow < lo; ow++) {
              col[d + ow] = 0f;
            }
            for (int ow = hi; ow < outW; ow++) {
              col[d + ow] = 0f;
            }
            int xr = xc + ih * inW - pad + kw;
            if (stride == 1) {
              System.arraycopy(x, xr + lo, col, d + lo, hi - lo);
            } else {
              for (int ow = lo; ow < hi; ow++) {
                col[d + ow] = x[xr + ow * stride];
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
}

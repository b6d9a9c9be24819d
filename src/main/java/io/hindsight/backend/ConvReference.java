package io.hindsight.backend;

/**
 * A convolution computed by direct loops in double precision: the reference that backends (in the
 * backend contract tests) and libtorch (before every DJL baseline run, {@code LibtorchSelfCheck})
 * are checked against. Slow on purpose; small shapes only.
 */
public final class ConvReference {
  /** Output (N, outC, outH, outW) and the gradients of x, w and bias for the output gradient dY. */
  public record Result(float[] y, double[] dX, double[] dW, double[] dB) {}

  private ConvReference() {}

  /**
   * @param x (N, inC, inH, inW)
   * @param w (outC, inC / groups, kH, kW)
   * @param bias (outC)
   * @param dY (N, outC, outH, outW)
   */
  public static Result compute(ConvGeometry g, float[] x, float[] w, float[] bias, float[] dY) {
    float[] y = new float[g.outputSize()];
    double[] dX = new double[g.inputSize()];
    double[] dW = new double[g.weightSize()];
    double[] dB = new double[g.outC()];
    int oh = g.outH();
    int ow = g.outW();
    for (int n = 0; n < g.n(); n++) {
      for (int oc = 0; oc < g.outC(); oc++) {
        int grp = oc / g.outPerGroup();
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            int yi = ((n * g.outC() + oc) * oh + i) * ow + j;
            double s = bias[oc];
            for (int c = 0; c < g.inPerGroup(); c++) {
              int ic = grp * g.inPerGroup() + c;
              for (int kh = 0; kh < g.kH(); kh++) {
                for (int kw = 0; kw < g.kW(); kw++) {
                  int ih = i * g.stride() - g.padding() + kh;
                  int iw = j * g.stride() - g.padding() + kw;
                  if (ih < 0 || iw < 0 || ih >= g.inH() || iw >= g.inW()) {
                    continue;
                  }
                  int xi = ((n * g.inC() + ic) * g.inH() + ih) * g.inW() + iw;
                  int wi = ((oc * g.inPerGroup() + c) * g.kH() + kh) * g.kW() + kw;
                  s += (double) x[xi] * w[wi];
                  dX[xi] += (double) dY[yi] * w[wi];
                  dW[wi] += (double) dY[yi] * x[xi];
                }
              }
            }
            y[yi] = (float) s;
            dB[oc] += dY[yi];
          }
        }
      }
    }
    return new Result(y, dX, dW, dB);
  }
}

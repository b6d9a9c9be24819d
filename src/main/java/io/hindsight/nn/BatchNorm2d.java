package io.hindsight.nn;

import io.hindsight.backend.Backend;
import io.hindsight.tensor.Tensor;
import java.util.List;

/**
 * Batch normalization over {@code (N, H, W)} per channel, PyTorch semantics: training normalizes
 * with the biased batch variance and updates running statistics with the unbiased one
 * ({@code running = (1 - momentum) * running + momentum * batch}); evaluation uses the running
 * statistics. Saves the normalized input and the inverse standard deviation.
 */
public final class BatchNorm2d implements Layer {
  private final String name;
  private final Backend backend;
  private final int channels;
  private final float eps;
  private final float momentum;
  private final Parameter gamma;
  private final Parameter beta;
  private final Tensor runningMean;
  private final Tensor runningVar;
  private Tensor savedXHat; // (N, C, H, W)
  private float[] savedInvStd; // (C)
  private boolean savedTraining;

  public BatchNorm2d(String name, Backend backend, int channels) {
    this(name, backend, channels, 1e-5f, 0.1f);
  }

  public BatchNorm2d(String name, Backend backend, int channels, float eps, float momentum) {
    if (channels <= 0) {
      throw new IllegalArgumentException(name + ": channels must be positive");
    }
    this.name = name;
    this.backend = backend;
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    this.gamma = new Parameter(name + ".weight", Tensor.zeros(channels));
    this.beta = new Parameter(name + ".bias", Tensor.zeros(channels));
    gamma.value().fill(1f);
    this.runningMean = Tensor.zeros(channels);
    this.runningVar = Tensor.zeros(channels);
    runningVar.fill(1f);
  }

  @Override
  public String name() {
    return name;
  }

  public Parameter gamma() {
    return gamma;
  }

  public Parameter beta() {
    return beta;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  public float eps() {
    return eps;
  }

  public float momentum() {
    return momentum;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    x.requireRank(name + " input", 4);
    if (x.dim(1) != channels) {
      throw new IllegalArgumentException(name + ": expected " + channels + " channels but got " + x);
    }
    int n = x.dim(0);
    int hw = x.dim(2) * x.dim(3);
    int count = n * hw;
    float[] xd = x.data();
    Tensor xHat = Tensor.zerosLike(x);
    Tensor y = Tensor.zerosLike(x);
    float[] xh = xHat.data();
    float[] yd = y.data();
    float[] invStd = new float[channels];
    float[] g = gamma.value().data();
    float[] b = beta.value().data();
    float[] rm = runningMean.data();
    float[] rv = runningVar.data();
    int groups = (channels + ChannelSums.GROUP - 1) / ChannelSums.GROUP;
    backend.parallelFor(groups, grp -> {
      int c0 = grp * ChannelSums.GROUP;
      int gs = Math.min(ChannelSums.GROUP, channels - c0);
      double[] sum = new double[ChannelSums.GROUP];
      double[] m = new double[ChannelSums.GROUP];
      double[] sq = new double[ChannelSums.GROUP];
      if (training) {
        ChannelSums.sum(xd, n, channels, hw, c0, gs, sum);
        for (int k = 0; k < gs; k++) {
          m[k] = sum[k] / count;
        }
        ChannelSums.squaredDeviations(xd, n, channels, hw, c0, gs, m, sq);
      }
      for (int k = 0; k < gs; k++) {
        int c = c0 + k;
        float mean;
        float var;
        if (training) {
          mean = (float) m[k];
          var = (float) (sq[k] / count);
          float unbiased = count > 1 ? (float) (sq[k] / (count - 1)) : var;
          rm[c] = (1 - momentum) * rm[c] + momentum * mean;
          rv[c] = (1 - momentum) * rv[c] + momentum * unbiased;
        } else {
          mean = rm[c];
          var = rv[c];
        }
        float is = (float) (1.0 / Math.sqrt(var + eps));
        invStd[c] = is;
        for (int s = 0; s < n; s++) {
          int off = (s * channels + c) * hw;
          for (int i = 0; i < hw; i++) {
            float v = (xd[off + i] - mean) * is;
            xh[off + i] = v;
            yd[off + i] = g[c] * v + b[c];
          }
        }
      }
    });
    savedXHat = xHat;
    savedInvStd = invStd;
    savedTraining = training;
    return y;
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedXHat == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    if (!dY.sameShape(savedXHat)) {
      throw new IllegalArgumentException(name + ": dY " + dY + " does not match input " + savedXHat);
    }
    int n = dY.dim(0);
    int hw = dY.dim(2) * dY.dim(3);
    int count = n * hw;
    float[] dy = dY.data();
    float[] xh = savedXHat.data();
    Tensor dX = Tensor.zerosLike(dY);
    float[] dx = dX.data();
    float[] g = gamma.value().data();
    float[] dG = gamma.grad().data();
    float[] dB = beta.grad().data();
    int groups = (channels + ChannelSums.GROUP - 1) / ChannelSums.GROUP;
    backend.parallelFor(groups, grp -> {
      int c0 = grp * ChannelSums.GROUP;
      int gs = Math.min(ChannelSums.GROUP, channels - c0);
      double[] sums = new double[ChannelSums.GROUP];
      double[] dots = new double[ChannelSums.GROUP];
      ChannelSums.sumAndDot(dy, xh, n, channels, hw, c0, gs, sums, dots);
      for (int k = 0; k < gs; k++) {
        int c = c0 + k;
        double sumDy = sums[k];
        double sumDyXh = dots[k];
        dB[c] = (float) sumDy;
        dG[c] = (float) sumDyXh;
        float scale = g[c] * savedInvStd[c];
        if (savedTraining) {
          float meanDy = (float) (sumDy / count);
          float meanDyXh = (float) (sumDyXh / count);
          for (int s = 0; s < n; s++) {
            int off = (s * channels + c) * hw;
            for (int i = 0; i < hw; i++) {
              dx[off + i] = scale * (dy[off + i] - meanDy - xh[off + i] * meanDyXh);
            }
          }
        } else {
          for (int s = 0; s < n; s++) {
            int off = (s * channels + c) * hw;
            for (int i = 0; i < hw; i++) {
              dx[off + i] = scale * dy[off + i];
            }
          }
        }
      }
    });
    return dX;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(gamma, beta);
  }

  @Override
  public List<Buffer> buffers() {
    return List.of(new Buffer(name + ".runningMean", runningMean), new Buffer(name + ".runningVar", runningVar));
  }
}

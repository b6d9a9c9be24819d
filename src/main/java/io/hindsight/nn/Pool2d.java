package io.hindsight.nn;

import io.hindsight.backend.Backend;
import io.hindsight.tensor.Tensor;

/**
 * Max or average pooling over {@code k x k} windows with stride and zero padding:
 * x {@code (N, C, H, W)} to y {@code (N, C, outH, outW)}. Max pooling saves the argmax of each
 * window (first maximum wins, padding never selected); average pooling counts padding
 * (PyTorch's {@code count_include_pad=True}).
 */
public final class Pool2d implements Layer {
  /** Pooling kind. */
  public enum Kind { MAX, AVG }

  private final String name;
  private final Kind kind;
  private final int kernel;
  private final int stride;
  private final int padding;
  private Backend backend; // null: single-threaded
  private int[] savedInShape;
  private int[] savedArgmax; // (N, C, outH, outW) flat input index, max pooling only

  public Pool2d(String name, Kind kind, int kernel, int stride, int padding) {
    if (kernel <= 0 || stride <= 0 || padding < 0 || padding * 2 > kernel) {
      throw new IllegalArgumentException(name + ": invalid pooling kernel=" + kernel + " stride=" + stride
          + " padding=" + padding);
    }
    this.name = name;
    this.kind = kind;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
  }

  public static Pool2d max(String name, int kernel, int stride) {
    return new Pool2d(name, Kind.MAX, kernel, stride, 0);
  }

  public static Pool2d avg(String name, int kernel, int stride) {
    return new Pool2d(name, Kind.AVG, kernel, stride, 0);
  }

  /** Runs this layer on the backend's threads (over image planes). */
  public Pool2d on(Backend backend) {
    this.backend = backend;
    return this;
  }

  private void forEachPlane(int planes, Backend.ChunkBody body) {
    if (backend == null || planes < 64) {
      body.run(0, 0, planes);
    } else {
      backend.parallelChunks(planes, backend.threads() * 2, body);
    }
  }

  public Kind kind() {
    return kind;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    x.requireRank(name + " input", 4);
    int n = x.dim(0);
    int c = x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    int oh = (h + 2 * padding - kernel) / stride + 1;
    int ow = (w + 2 * padding - kernel) / stride + 1;
    if (oh <= 0 || ow <= 0) {
      throw new IllegalArgumentException(name + ": input " + x + " smaller than the pooling window");
    }
    savedInShape = x.shape();
    Tensor y = Tensor.zeros(n, c, oh, ow);
    float[] xd = x.data();
    float[] yd = y.data();
    int[] argmax = kind == Kind.MAX ? new int[yd.length] : null;
    float inv = 1f / (kernel * kernel);
    forEachPlane(n * c, (chunk, p0, p1) -> {
    for (int plane = p0; plane < p1; plane++) {
      int xb = plane * h * w;
      int yb = plane * oh * ow;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          float best = Float.NEGATIVE_INFINITY;
          int bestIdx = -1;
          float sum = 0f;
          for (int ki = 0; ki < kernel; ki++) {
            int ih = i * stride - padding + ki;
            if (ih < 0 || ih >= h) {
              continue;
            }
            for (int kj = 0; kj < kernel; kj++) {
              int iw = j * stride - padding + kj;
              if (iw < 0 || iw >= w) {
                continue;
              }
              int idx = xb + ih * w + iw;
              float v = xd[idx];
              sum += v;
              if (v > best || bestIdx < 0 || v != v) {
                best = v;
                bestIdx = idx;
              }
            }
          }
          if (argmax != null) {
            yd[yb + i * ow + j] = best;
            argmax[yb + i * ow + j] = bestIdx;
          } else {
            yd[yb + i * ow + j] = sum * inv;
          }
        }
      }
    }
    });
    savedArgmax = argmax;
    return y;
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedInShape == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    Tensor dX = Tensor.zeros(savedInShape);
    float[] dx = dX.data();
    float[] gd = dY.data();
    if (kind == Kind.MAX) {
      if (gd.length != savedArgmax.length) {
        throw new IllegalArgumentException(name + ": dY " + dY + " does not match the forward output");
      }
      for (int i = 0; i < gd.length; i++) {
        dx[savedArgmax[i]] += gd[i];
      }
      return dX;
    }
    int n = savedInShape[0];
    int c = savedInShape[1];
    int h = savedInShape[2];
    int w = savedInShape[3];
    int oh = (h + 2 * padding - kernel) / stride + 1;
    int ow = (w + 2 * padding - kernel) / stride + 1;
    dY.requireShape(name + " dY", n, c, oh, ow);
    float inv = 1f / (kernel * kernel);
    for (int plane = 0; plane < n * c; plane++) {
      int xb = plane * h * w;
      int yb = plane * oh * ow;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          float g = gd[yb + i * ow + j] * inv;
          for (int ki = 0; ki < kernel; ki++) {
            int ih = i * stride - padding + ki;
            if (ih < 0 || ih >= h) {
              continue;
            }
            for (int kj = 0; kj < kernel; kj++) {
              int iw = j * stride - padding + kj;
              if (iw >= 0 && iw < w) {
                dx[xb + ih * w + iw] += g;
              }
            }
          }
        }
      }
    }
    return dX;
  }
}

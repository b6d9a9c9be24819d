package io.hindsight.nn;

import io.hindsight.tensor.Tensor;
import io.hindsight.util.CounterRng;
import io.hindsight.util.Rng;

/**
 * Inverted dropout: in training each value is zeroed with probability {@code p} and the rest are
 * scaled by {@code 1/(1-p)}; identity in evaluation. Each training forward draws one key from the
 * model's seeded {@link Rng} ({@link #nextMaskKey}) and element {@code i} is dropped when
 * {@code CounterRng.uniform(key, i) < p}: the device's {@code dropout_fwd} draws the same mask, and
 * runs are reproducible and resumable. Saves the scaled mask.
 */
public final class Dropout implements Layer {
  private final String name;
  private final float p;
  private final Rng rng;
  private float[] savedMask; // null when the last forward was the identity

  public Dropout(String name, float p, Rng rng) {
    if (!(p >= 0f && p < 1f)) {
      throw new IllegalArgumentException(name + ": dropout probability must be in [0, 1), got " + p);
    }
    this.name = name;
    this.p = p;
    this.rng = rng;
  }

  @Override
  public String name() {
    return name;
  }

  public float probability() {
    return p;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    if (!training || p == 0f) {
      savedMask = null;
      return x;
    }
    float scale = 1f / (1f - p);
    long key = nextMaskKey();
    float[] mask = new float[x.size()];
    Tensor y = Tensor.zerosLike(x);
    float[] xd = x.data();
    float[] yd = y.data();
    for (int i = 0; i < mask.length; i++) {
      mask[i] = CounterRng.uniform(key, i) < p ? 0f : scale;
      yd[i] = xd[i] * mask[i];
    }
    savedMask = mask;
    return y;
  }

  /** The key of the next training forward's mask: one draw of the layer's generator. */
  public long nextMaskKey() {
    return rng.nextLong();
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedMask == null) {
      return dY;
    }
    Tensor dX = Tensor.zerosLike(dY);
    float[] gd = dY.data();
    float[] dx = dX.data();
    for (int i = 0; i < gd.length; i++) {
      dx[i] = gd[i] * savedMask[i];
    }
    return dX;
  }
}

package io.hindsight.data;

import io.hindsight.util.Rng;

/**
 * Optional training-time augmentation: a random crop after zero padding by {@code cropPadding}
 * pixels (0 disables it) and a random horizontal flip with probability 1/2.
 */
public record Augmentation(int cropPadding, boolean flip) {
  public static final Augmentation NONE = new Augmentation(0, false);

  public boolean enabled() {
    return cropPadding > 0 || flip;
  }

  /** Augments one image {@code (C, H, W)} at {@code off} in place, drawing from {@code rng}. */
  public void apply(float[] x, int off, int c, int h, int w, Rng rng, float[] scratch) {
    int dy = 0;
    int dx = 0;
    if (cropPadding > 0) {
      dy = rng.nextInt(2 * cropPadding + 1) - cropPadding;
      dx = rng.nextInt(2 * cropPadding + 1) - cropPadding;
    }
    boolean doFlip = flip && rng.nextBoolean();
    if (dy == 0 && dx == 0 && !doFlip) {
      return;
    }
    // scratch holds the original image; the padding value is the normalized zero pixel = min of the image
    System.arraycopy(x, off, scratch, 0, c * h * w);
    for (int ch = 0; ch < c; ch++) {
      float pad = Float.POSITIVE_INFINITY;
      for (int i = 0; i < h * w; i++) {
        pad = Math.min(pad, scratch[ch * h * w + i]);
      }
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          int si = i + dy;
          int sj = doFlip ? (w - 1 - j) + dx : j + dx;
          float v = si >= 0 && si < h && sj >= 0 && sj < w ? scratch[ch * h * w + si * w + sj] : pad;
          x[off + ch * h * w + i * w + j] = v;
        }
      }
    }
  }
}

package io.hindsight.data;

import io.hindsight.util.Rng;

/**
 * A small generated classification dataset for tests and smoke runs: each class has a random
 * prototype image; examples are the prototype plus Gaussian noise. Learnable in a few steps,
 * fully determined by the seed.
 */
public final class SyntheticDataset {
  private SyntheticDataset() {}

  /** {@code count} examples of {@code channels x size x size} images in {@code classes} classes. */
  public static Dataset generate(String name, int count, int channels, int size, int classes, double noise, long seed) {
    Rng protoRng = Rng.derive(seed, 1);
    Rng rng = Rng.derive(seed, 2 + name.hashCode());
    int per = channels * size * size;
    float[][] protos = new float[classes][per];
    for (float[] p : protos) {
      for (int i = 0; i < per; i++) {
        p[i] = (float) (0.5 * protoRng.nextGaussian());
      }
    }
    float[] x = new float[count * per];
    int[] y = new int[count];
    for (int n = 0; n < count; n++) {
      int c = rng.nextInt(classes);
      y[n] = c;
      for (int i = 0; i < per; i++) {
        x[n * per + i] = protos[c][i] + (float) (noise * rng.nextGaussian());
      }
    }
    return new Dataset(name, x, y, channels, size, size, classes);
  }

  /** Train and test splits drawn from the same prototypes (28x28, 1 channel, 10 classes). */
  public static DatasetLoader.Splits splits(int train, int test, long seed) {
    return new DatasetLoader.Splits(
        generate("synthetic/train", train, 1, 28, 10, 0.5, seed),
        generate("synthetic/test", test, 1, 28, 10, 0.5, seed));
  }
}

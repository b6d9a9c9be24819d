package io.hindsight.data;

import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;

/**
 * Splits a dataset into mini-batches. In training the order is a permutation drawn from
 * {@code Rng.derive(seed, epoch)}, so a resumed run can rebuild any epoch's order from the seed and
 * the epoch alone; the last partial batch is kept. Augmentation draws from the caller's RNG.
 */
public final class BatchSampler {
  private final Dataset data;
  private final int batchSize;

  public BatchSampler(Dataset data, int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    this.data = data;
    this.batchSize = batchSize;
  }

  public int batchesPerEpoch() {
    return (data.size() + batchSize - 1) / batchSize;
  }

  /** The example order of {@code epoch} (shuffled) or the identity when {@code shuffle} is false. */
  public int[] order(long seed, int epoch, boolean shuffle) {
    int[] idx = new int[data.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    if (shuffle) {
      Rng.derive(seed, 1000L + epoch).shuffle(idx);
    }
    return idx;
  }

  /** Batch number {@code b} of the given order, augmented with {@code aug} using {@code rng}. */
  public Batch batch(int[] order, int b, Augmentation aug, Rng rng) {
    int start = b * batchSize;
    if (start >= order.length || b < 0) {
      throw new IllegalArgumentException("batch " + b + " out of range (" + batchesPerEpoch() + " batches)");
    }
    int n = Math.min(batchSize, order.length - start);
    int per = data.imageSize();
    float[] x = new float[n * per];
    int[] y = new int[n];
    float[] scratch = aug.enabled() ? new float[per] : null;
    for (int i = 0; i < n; i++) {
      int src = order[start + i];
      System.arraycopy(data.images(), src * per, x, i * per, per);
      y[i] = data.labels()[src];
      if (scratch != null) {
        aug.apply(x, i * per, data.channels(), data.height(), data.width(), rng, scratch);
      }
    }
    return new Batch(Tensor.of(x, n, data.channels(), data.height(), data.width()), y);
  }
}

package io.hindsight.device.sim;

import io.hindsight.cuda.QuantStats;

/**
 * A reference's running statistics of values ({@code hs_stats_add} in hs_common.cuh): finite values
 * into min and max keys ({@link QuantStats#key}), the others counted as non-finite; merged into an
 * {@code HsStats} record as the kernels' atomics merge (order-independent).
 */
final class KeyStats {
  private int minKey = QuantStats.key(Float.POSITIVE_INFINITY);
  private int maxKey = QuantStats.key(Float.NEGATIVE_INFINITY);
  private long nonFinite;

  /** Folds {@code v} in; returns whether it is finite. */
  boolean add(float v) {
    if (Float.isFinite(v)) {
      int k = QuantStats.key(v);
      minKey = Math.min(minKey, k);
      maxKey = Math.max(maxKey, k);
      return true;
    }
    nonFinite++;
    return false;
  }

  /** Merges these statistics and {@code clipped} into record {@code index} of {@code stats}. */
  void mergeInto(View stats, long index, long clipped) {
    StatsStruct.merge(stats, index, minKey, maxKey, clipped, nonFinite);
  }
}

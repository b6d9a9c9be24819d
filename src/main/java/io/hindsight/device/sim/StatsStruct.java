package io.hindsight.device.sim;

import io.hindsight.cuda.QuantStats;

/**
 * The 24-byte {@code HsStats} struct of hs_common.cuh as the references read and merge it:
 * int32 min key at byte 0, int32 max key at 4, uint64 clipped at 8, uint64 non-finite at 16.
 * Merging is what the kernels' atomics do (min/max of keys, sums of counts), so the result does
 * not depend on the order of the threads.
 */
final class StatsStruct {
  private StatsStruct() {}

  static QuantStats read(View v, long index) {
    int[] w = new int[6];
    for (int k = 0; k < 6; k++) {
      w[k] = v.getI(6 * index + k);
    }
    return QuantStats.fromWords(w, 0);
  }

  static void writeIdentity(View v, long index) {
    v.putI(6 * index, QuantStats.key(Float.POSITIVE_INFINITY));
    v.putI(6 * index + 1, QuantStats.key(Float.NEGATIVE_INFINITY));
    v.putL(3 * index + 1, 0L);
    v.putL(3 * index + 2, 0L);
  }

  /** The block commit: atomicMin/atomicMax of the keys (when a finite value was seen) and atomicAdd of the counts. */
  static void merge(View v, long index, int minKey, int maxKey, long clipped, long nonFinite) {
    if (minKey != QuantStats.key(Float.POSITIVE_INFINITY)) {
      v.putI(6 * index, Math.min(v.getI(6 * index), minKey));
    }
    if (maxKey != QuantStats.key(Float.NEGATIVE_INFINITY)) {
      v.putI(6 * index + 1, Math.max(v.getI(6 * index + 1), maxKey));
    }
    if (clipped != 0) {
      v.putL(3 * index + 1, v.getL(3 * index + 1) + clipped);
    }
    if (nonFinite != 0) {
      v.putL(3 * index + 2, v.getL(3 * index + 2) + nonFinite);
    }
  }
}

package io.hindsight.device.sim;

/**
 * The kernels' fixed-order block reductions, step for step: each thread's partial (one per thread
 * of the block, in thread order) is reduced within its warp by the butterfly {@code v += shfl_xor(v, o)}
 * for {@code o = 16, 8, 4, 2, 1} (every lane adds its partner's value of the previous round), lane
 * 0 of each warp stores its warp's sum, and warp 0 reduces those sums the same way (lanes beyond
 * the number of warps contribute 0). Floating-point addition is commutative, so this reproduces
 * {@code hs_block_sum} / {@code hs_block_sum_d} bit for bit.
 */
final class BlockReduce {
  private BlockReduce() {}

  /** {@code hs_block_sum_d}: the block's double sum as thread 0 sees it. */
  static double sumDouble(double[] perThread) {
    int warps = perThread.length >> 5;
    double[] warpSums = new double[32];
    double[] lane = new double[32];
    for (int w = 0; w < warps; w++) {
      System.arraycopy(perThread, w * 32, lane, 0, 32);
      warpSums[w] = butterfly(lane);
    }
    for (int l = warps; l < 32; l++) {
      warpSums[l] = 0.0;
    }
    return butterfly(warpSums);
  }

  /** {@code hs_block_sum}: the block's float sum as thread 0 sees it. */
  static float sumFloat(float[] perThread) {
    int warps = perThread.length >> 5;
    float[] warpSums = new float[32];
    float[] lane = new float[32];
    for (int w = 0; w < warps; w++) {
      System.arraycopy(perThread, w * 32, lane, 0, 32);
      warpSums[w] = butterfly(lane);
    }
    return butterfly(warpSums);
  }

  /** One warp's butterfly sum (destroys {@code v}); every lane ends with the same value, lane 0's is returned. */
  static double butterfly(double[] v) {
    double[] t = new double[32];
    for (int o = 16; o > 0; o >>= 1) {
      System.arraycopy(v, 0, t, 0, 32);
      for (int l = 0; l < 32; l++) {
        v[l] = t[l] + t[l ^ o];
      }
    }
    return v[0];
  }

  static float butterfly(float[] v) {
    float[] t = new float[32];
    for (int o = 16; o > 0; o >>= 1) {
      System.arraycopy(v, 0, t, 0, 32);
      for (int l = 0; l < 32; l++) {
        v[l] = t[l] + t[l ^ o];
      }
    }
    return v[0];
  }
}

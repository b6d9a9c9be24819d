package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The row slicing of {@code gemm_s8_tn_wgrad}: slices never straddle a chunk and fill the GPU. */
class WgradSlicingTest {
  @Test
  void slicesArePowersOfTwoThatDivideTheChunk() {
    for (int m : new int[] {1, 31, 32, 1000, 40_000, 131_072, 1 << 22}) {
      for (long tiles : new long[] {1, 3, 9, 64, 10_000}) {
        int r = CudaKernels.wgradRowsPerSlice(m, tiles, 132);
        assertThat(Integer.bitCount(r)).as("m=%d tiles=%d", m, tiles).isEqualTo(1);
        assertThat(r).isBetween(32, GemmRef.WGRAD_FLUSH);
        assertThat(GemmRef.WGRAD_FLUSH % r).isZero();
      }
    }
  }

  @Test
  void resnet20WeightGradientsGetAboutFourBlocksPerMultiprocessor() {
    // first stage: 16 output channels x 144 (16 x 3 x 3) columns over 128 x 32 x 32 rows = 3 tiles
    int m = 128 * 32 * 32;
    int r = CudaKernels.wgradRowsPerSlice(m, 3, 132);
    long blocks = 3L * ((m + r - 1) / r);
    assertThat(blocks).isBetween(4L * 132, 8L * 132);
    // a GEMM whose tiles alone fill the GPU keeps whole chunks per block
    assertThat(CudaKernels.wgradRowsPerSlice(m, 10_000, 132)).isEqualTo(GemmRef.WGRAD_FLUSH);
    // few rows: the smallest slice
    assertThat(CudaKernels.wgradRowsPerSlice(100, 3, 132)).isEqualTo(32);
  }
}

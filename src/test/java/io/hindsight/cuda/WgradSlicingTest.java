package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How the batch reductions are split over blocks: the rows of {@code gemm_s8_tn_wgrad} (slices never
 * straddle a chunk) and the batch of a reduced {@code sgemm_tiled}, both to fill the GPU.
 */
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

  @Test
  void aReducedFp32BatchIsSlicedOnlyWhenItsTilesLeaveTheGpuIdle() {
    // resnet20's first weight gradient: 16 x 144 outputs = 3 tiles, 128 samples: one sample per block
    assertThat(CudaKernels.sgemmBatchPerSlice(128, 3, 132)).isEqualTo(1);
    // 100 tiles: six slices of 22 samples (four blocks per multiprocessor)
    int z = CudaKernels.sgemmBatchPerSlice(128, 100, 132);
    assertThat(z).isEqualTo(22);
    assertThat((128 + z - 1) / z * 100L).isBetween(4L * 132, 8L * 132);
    // tiles enough on their own: the whole batch in one block, as before
    assertThat(CudaKernels.sgemmBatchPerSlice(128, 10_000, 132)).isEqualTo(128);
  }
}

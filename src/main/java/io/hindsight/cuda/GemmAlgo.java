package io.hindsight.cuda;

/** Which INT8 NT GEMM kernel runs. */
public enum GemmAlgo {
  /** {@code gemm_s8_nt_dp4a}: any shape. */
  DP4A,
  /** {@code gemm_s8_nt_mma}: tensor cores; needs K % 16 == 0 and 16-byte-aligned operands. */
  MMA,
  /** MMA where its requirements hold, else DP4A. */
  AUTO
}

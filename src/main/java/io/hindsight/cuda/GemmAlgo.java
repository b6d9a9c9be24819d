package io.hindsight.cuda;

/** Which INT8 NT GEMM kernel runs. */
public enum GemmAlgo {
  /** {@code gemm_s8_nt_dp4a}: any shape. */
  DP4A,
  /** {@code gemm_s8_nt_mma}: tensor cores; needs K % 16 == 0 and 16-byte-aligned operands. */
  MMA,
  /**
   * {@code gemm_s8_nt_mma_ldm}: the same tensor-core kernel with ldmatrix fragment loads and paired
   * epilogue stores (fewer shared-memory and store instructions); same requirements, same results.
   */
  MMA_LDM,
  /** MMA_LDM where the tensor-core requirements hold, else DP4A. */
  AUTO
}

// sgemm.cu: FP32 GEMM for the CUDA backend (Backend.gemm and the convolutions).
//
//   C_z = alpha * op(A_z) * op(B_z) + beta * C_z          (batched: z = blockIdx.z)
//   C   = alpha * sum_z op(A_z) * op(B_z) + beta * C      (reduceBatch: the batch is part of the
//                                                          reduction, e.g. dW = sum_s dY_s col_s^T)
//   op(A) (M, K): A stored (M, K) row-major with leading dimension lda, or (K, M) when transA;
//   op(B) (K, N): B stored (K, N), or (N, K) when transB; C (M, N) with ldc;
//   A_z = A + z * strideA (likewise B, C); stride 0 shares an operand across the batch.
// beta == 0 never reads C (so uninitialised C is fine).
// 64x64 tile per block, 256 threads (16 x 16), 4x4 per thread (rows ty + 16i, cols tx + 16j),
// K in steps of 16. grid (ceil(N/64), ceil(M/64), reduceBatch ? slices : batch), block 256.
// Each output is one FMA chain in k order (z by z when reducing the batch), zero-padded to a
// multiple of 16 in k; then alpha * acc (+ beta * C as one FMA). A reduced batch split into slices
// of zPerSlice entries (gridDim.z > 1) leaves each slice's chain, without alpha, in
// partial[slice] (M, N); sgemm_slices_finish adds the slices in order and applies alpha and beta.
// One block per tile would otherwise walk the whole batch (a convolution's weight gradient: 3
// blocks for 128 samples). Reference (bit-exact): io.hindsight.device.sim.SgemmRef; the CPU
// backend's CpuGemm agrees within float tolerance.
#define SG_BM 64
#define SG_BN 64
#define SG_BK 16

extern "C" __global__ void __launch_bounds__(256) sgemm_tiled(
    int transA, int transB, int M, int N, int K, float alpha, const float* __restrict__ A, int lda,
    long long strideA, const float* __restrict__ B, int ldb, long long strideB, float beta,
    float* __restrict__ C, int ldc, long long strideC, int batch, int reduceBatch, int zPerSlice,
    float* __restrict__ partial) {
  __shared__ float As[SG_BK][SG_BM + 4];
  __shared__ float Bs[SG_BK][SG_BN + 4];
  int t = threadIdx.x;
  int tx = t & 15, ty = t >> 4;
  int m0 = blockIdx.y * SG_BM, n0 = blockIdx.x * SG_BN;
  int zBegin = reduceBatch ? blockIdx.z * zPerSlice : blockIdx.z;
  int zEnd = reduceBatch ? min(batch, zBegin + zPerSlice) : blockIdx.z + 1;
  bool sliced = reduceBatch && gridDim.z > 1;
  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) acc[i][j] = 0.f;

  for (int z = zBegin; z < zEnd; z++) {
    const float* a = A + z * strideA;
    const float* b = B + z * strideB;
    for (int k0 = 0; k0 < K; k0 += SG_BK) {
#pragma unroll
      for (int l = 0; l < 4; l++) {  // 64 x 16 = 1024 elements per operand, 4 per thread
        int idx = t + 256 * l;
        // op(A)(i, p): contiguous index runs along the stored row for coalescing.
        int i = transA ? (idx & 63) : (idx >> 4);
        int p = transA ? (idx >> 6) : (idx & 15);
        int gi = m0 + i, gp = k0 + p;
        float v = 0.f;
        if (gi < M && gp < K) v = transA ? a[(long long)gp * lda + gi] : a[(long long)gi * lda + gp];
        As[p][i] = v;
        // op(B)(p, j)
        int j = transB ? (idx >> 4) : (idx & 63);
        int q = transB ? (idx & 15) : (idx >> 6);
        int gj = n0 + j, gq = k0 + q;
        float w = 0.f;
        if (gj < N && gq < K) w = transB ? b[(long long)gj * ldb + gq] : b[(long long)gq * ldb + gj];
        Bs[q][j] = w;
      }
      __syncthreads();
#pragma unroll
      for (int p = 0; p < SG_BK; p++) {
        float av[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; i++) av[i] = As[p][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; j++) bv[j] = Bs[p][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
          for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
      }
      __syncthreads();
    }
  }
  // a slice's raw chain goes to its partial (M, N); otherwise alpha * acc (+ beta * C) to C
  float* out = sliced ? partial + (long long)blockIdx.z * M * N : C + (reduceBatch ? 0 : blockIdx.z * strideC);
  int ld = sliced ? N : ldc;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    int m = m0 + ty + 16 * i;
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int n = n0 + tx + 16 * j;
      if (n >= N) continue;
      long long idx = (long long)m * ld + n;
      float v = sliced ? acc[i][j] : __fmul_rn(alpha, acc[i][j]);
      if (!sliced && beta != 0.f) v = __fmaf_rn(beta, out[idx], v);
      out[idx] = v;
    }
  }
}

// The slices of a reduced batch (sgemm_tiled's partial, slices x (M, N)) added in slice order, one
// thread per output (grid-stride): C = alpha * (p0 + p1 + ...) (+ beta * C as one FMA).
extern "C" __global__ void sgemm_slices_finish(const float* __restrict__ partial, int slices, int M, int N,
                                               float alpha, float beta, float* __restrict__ C, int ldc) {
  long long total = (long long)M * N;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    float acc = partial[idx];
    for (int s = 1; s < slices; s++) acc = __fadd_rn(acc, partial[s * total + idx]);
    int m = (int)(idx / N), n = (int)(idx % N);
    float* c = C + (long long)m * ldc + n;
    float v = __fmul_rn(alpha, acc);
    if (beta != 0.f) v = __fmaf_rn(beta, *c, v);
    *c = v;
  }
}

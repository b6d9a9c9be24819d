// gemm_s8.cu: INT8 GEMMs with INT32 accumulation for fully quantized training.
//
// Forward / input-gradient ("NT": both operands contiguous along the reduction dimension K):
//   A (M, K) int8 row-major, B (N, K) int8 row-major, acc(m, n) = sum_k A[m, k] * B[n, k]  (int32)
//   Fused epilogue per output (m, n) (io.hindsight.cuda.GemmRef, bit-exact; quantization: hs_level):
//     corr = acc - zeroPointA * colSumB[n]            (asymmetric A; colSumB[n] = sum_k B[n, k])
//     y    = (float(corr) * scaleA) * scaleB[n or 0]  (per-tensor A scale x per-channel B scale)
//     y    = y + bias[n]                              (optional)
//     y    = relu(y) | relu6(y)                       (optional; NaN passes through)
//     stats(y)                                        (min/max/non-finite; for the next range)
//     outF32[m, n] = y      or      outS8[m, n] = quantize(y; in-hindsight range, RNE or SR)
//   rowsPerSample > 0 stores (m, n) at the NCHW index of pixel m % rowsPerSample of sample
//   m / rowsPerSample, channel n (an im2col convolution: rows = every sample's pixels, N = channels)
//   Forward:        A = quantized input x (M = batch rows, K = in), B = quantized weights W (N = out, K = in).
//   Input gradient: A = quantized dY (M, N_out), B = W^T (K_in, N_out) (transpose_s8), scaleB per
//                   tensor (the weights' channel axis is the reduction axis here), stochastic output.
//
// Weight gradient ("TN", gemm_s8_tn_wgrad + wgrad_finish): dW (N, K) fp32 = scaleG * scaleX * sum_m G[m, n] * (X[m, k] - zeroPointX),
//   G (M, N) int8 (quantized dY), X (M, K) int8 (quantized input); exact int32 sums over chunks of
//   HS_WGRAD_FLUSH rows (slices of rows in parallel blocks, added with integer atomics), then the
//   chunks converted and accumulated in FP32 in chunk order (bounded int32 range, any M).
//
// Kernels: gemm_s8_nt_dp4a (any shape, dp4a), gemm_s8_nt_mma and gemm_s8_nt_mma_ldm (tensor cores,
// mma.sync m16n8k32, K % 16 == 0; the second loads fragments with ldmatrix), gemm_s8_tn_wgrad
// (dp4a), transpose_s8, rowsum_s8.
#include "hs_common.cuh"

// ---------------------------------------------------------------------------------------------
// Epilogue shared by both NT kernels.
struct HsEpilogue {
  int M, N;
  int rowsPerSample;  // > 0: output (M, N) is stored as NCHW (M = samples * rowsPerSample pixels, N channels)
  float scaleA;
  const float* scaleB;
  int scaleBPerChannel;
  int zeroPointA;
  const int* colSumB;
  const float* bias;
  int activation;  // 0 none, 1 relu, 2 relu6
  float* outF32;
  signed char* outS8;
  HsQuantParams q;
};

// The epilogue's value for one accumulator, folded into the thread's min/max/non-finite counts.
__device__ __forceinline__ float hs_epilogue_value(const HsEpilogue& e, int m, int n, int acc,
                                                   int& minKey, int& maxKey,
                                                   unsigned int& nonfinite) {
  int corr = e.zeroPointA != 0 ? acc - e.zeroPointA * e.colSumB[n] : acc;
  float sB = e.scaleB[e.scaleBPerChannel ? n : 0];
  float y = __fmul_rn(__fmul_rn(__int2float_rn(corr), e.scaleA), sB);
  if (e.bias != nullptr) y = __fadd_rn(y, e.bias[n]);
  if (e.activation == 1) {
    y = y < 0.f ? 0.f : y;
  } else if (e.activation == 2) {
    y = y < 0.f ? 0.f : (y > 6.f ? 6.f : y);
  }
  hs_stats_add(y, minKey, maxKey, nonfinite);
  return y;
}

// The int8 level of epilogue value y at flat output index idx (RNE or SR with the in-hindsight range).
__device__ __forceinline__ signed char hs_epilogue_level(const HsEpilogue& e, long long idx, float y,
                                                         unsigned int& clipped) {
  if (!isfinite(y)) return (signed char)hs_quantize_nonfinite(y, e.q);
  bool clip = false;
  int level = hs_quantize_finite(y, e.q, (unsigned long long)idx, &clip);
  clipped += clip ? 1u : 0u;
  return (signed char)level;
}

// Where output (m, n) is stored (and its stochastic-rounding index): row-major m * N + n, or, with
// rowsPerSample > 0 (an im2col GEMM whose rows are the pixels of every sample), the NCHW index
// ((m / rowsPerSample) * N + n) * rowsPerSample + m % rowsPerSample.
__device__ __forceinline__ long long hs_out_index(const HsEpilogue& e, int m, int n) {
  if (e.rowsPerSample <= 0) return (long long)m * e.N + n;
  return ((long long)(m / e.rowsPerSample) * e.N + n) * e.rowsPerSample + m % e.rowsPerSample;
}

// Applies the epilogue to one accumulator; out-of-range (m, n) are skipped.
__device__ __forceinline__ void hs_epilogue_apply(const HsEpilogue& e, int m, int n, int acc,
                                                  int& minKey, int& maxKey, unsigned int& clipped,
                                                  unsigned int& nonfinite) {
  if (m >= e.M || n >= e.N) return;
  float y = hs_epilogue_value(e, m, n, acc, minKey, maxKey, nonfinite);
  long long idx = hs_out_index(e, m, n);
  if (e.outF32 != nullptr) {
    e.outF32[idx] = y;
  } else {
    e.outS8[idx] = hs_epilogue_level(e, idx, y, clipped);
  }
}

// Applies the epilogue to the accumulators of (m, n) and (m, n + 1), n even, and stores both with
// one 2-byte (int8) or 8-byte (FP32) store when both exist and N is even (so the pair is aligned);
// otherwise element by element. Same values, statistics and stochastic-rounding indices as two
// hs_epilogue_apply calls.
__device__ __forceinline__ void hs_epilogue_apply_pair(const HsEpilogue& e, int m, int n, int acc0,
                                                       int acc1, int& minKey, int& maxKey,
                                                       unsigned int& clipped,
                                                       unsigned int& nonfinite) {
  if (m >= e.M || n + 1 >= e.N || (e.N & 1) || e.rowsPerSample > 0) {
    hs_epilogue_apply(e, m, n, acc0, minKey, maxKey, clipped, nonfinite);
    hs_epilogue_apply(e, m, n + 1, acc1, minKey, maxKey, clipped, nonfinite);
    return;
  }
  float y0 = hs_epilogue_value(e, m, n, acc0, minKey, maxKey, nonfinite);
  float y1 = hs_epilogue_value(e, m, n + 1, acc1, minKey, maxKey, nonfinite);
  long long idx = (long long)m * e.N + n;
  if (e.outF32 != nullptr) {
    *reinterpret_cast<float2*>(e.outF32 + idx) = make_float2(y0, y1);
  } else {
    signed char l0 = hs_epilogue_level(e, idx, y0, clipped);
    signed char l1 = hs_epilogue_level(e, idx + 1, y1, clipped);
    *reinterpret_cast<char2*>(e.outS8 + idx) = make_char2(l0, l1);
  }
}

#define HS_NT_PARAMS                                                                             \
  const signed char *__restrict__ A, const signed char *__restrict__ B, int M, int N, int K,      \
      int rowsPerSample,                                                                         \
      float scaleA, const float *__restrict__ scaleB, int scaleBPerChannel, int zeroPointA,        \
      const int *__restrict__ colSumB, const float *__restrict__ bias, int activation,            \
      float *__restrict__ outF32, signed char *__restrict__ outS8, float outScale, int zeroPoint,  \
      int lo, int hi, int stochastic, unsigned long long key, HsStats *stats

__device__ __forceinline__ HsEpilogue hs_make_epilogue(int M, int N, int rowsPerSample, float scaleA,
                                                       const float* scaleB, int scaleBPerChannel,
                                                       int zeroPointA, const int* colSumB,
                                                       const float* bias, int activation,
                                                       float* outF32, signed char* outS8,
                                                       float outScale, int zeroPoint, int lo,
                                                       int hi, int stochastic,
                                                       unsigned long long key) {
  HsEpilogue e;
  e.M = M;
  e.N = N;
  e.rowsPerSample = rowsPerSample;
  e.scaleA = scaleA;
  e.scaleB = scaleB;
  e.scaleBPerChannel = scaleBPerChannel;
  e.zeroPointA = zeroPointA;
  e.colSumB = colSumB;
  e.bias = bias;
  e.activation = activation;
  e.outF32 = outF32;
  e.outS8 = outS8;
  e.q.scale = outScale;
  e.q.zeroPoint = zeroPoint;
  e.q.lo = lo;
  e.q.hi = hi;
  e.q.stochastic = stochastic;
  e.q.key = key;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Four consecutive int8 of row `row` starting at column `k` as one little-endian word; bytes past
// `rows`/`cols` are zero. `aligned` (cols % 4 == 0) allows one 32-bit load.
__device__ __forceinline__ int hs_load_word(const signed char* __restrict__ p, int row, int rows,
                                            int k, int cols, bool aligned) {
  if (row >= rows) return 0;
  const signed char* r = p + (long long)row * cols;
  if (aligned && k + 3 < cols) return *reinterpret_cast<const int*>(r + k);
  unsigned int w = 0;
#pragma unroll
  for (int b = 0; b < 4; b++) {
    if (k + b < cols) w |= ((unsigned int)(unsigned char)r[k + b]) << (8 * b);
  }
  return (int)w;
}

// ---------------------------------------------------------------------------------------------
// dp4a NT GEMM: 64x64 output tile per block, 256 threads (16 x 16), 4x4 outputs per thread
// (rows ty + 16i, cols tx + 16j), K in steps of 32 bytes (8 words). Any M, N, K.
// grid (ceil(N/64), ceil(M/64)), block 256.
#define DP_BM 64
#define DP_BN 64
#define DP_BKW 8  // words (4 int8 each) of K per step
extern "C" __global__ void __launch_bounds__(256) gemm_s8_nt_dp4a(HS_NT_PARAMS) {
  __shared__ int As[DP_BKW][DP_BM + 1];
  __shared__ int Bs[DP_BKW][DP_BN + 1];
  HsEpilogue e = hs_make_epilogue(M, N, rowsPerSample, scaleA, scaleB, scaleBPerChannel, zeroPointA, colSumB,
                                  bias, activation, outF32, outS8, outScale, zeroPoint, lo, hi,
                                  stochastic, key);
  int t = threadIdx.x;
  int tx = t & 15, ty = t >> 4;
  int m0 = blockIdx.y * DP_BM, n0 = blockIdx.x * DP_BN;
  bool aligned = (K & 3) == 0;
  int acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) acc[i][j] = 0;

  for (int k0 = 0; k0 < K; k0 += DP_BKW * 4) {
#pragma unroll
    for (int l = 0; l < 2; l++) {  // 64 rows x 8 words = 512 words per operand, 2 per thread
      int idx = t + 256 * l;
      int r = idx >> 3, kw = idx & 7;
      As[kw][r] = hs_load_word(A, m0 + r, M, k0 + 4 * kw, K, aligned);
      Bs[kw][r] = hs_load_word(B, n0 + r, N, k0 + 4 * kw, K, aligned);
    }
    __syncthreads();
#pragma unroll
    for (int kw = 0; kw < DP_BKW; kw++) {
      int a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[kw][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = Bs[kw][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

  int minKey = HS_KEY_POS_INF, maxKey = HS_KEY_NEG_INF;
  unsigned int clipped = 0u, nonfinite = 0u;
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++)
      hs_epilogue_apply(e, m0 + ty + 16 * i, n0 + tx + 16 * j, acc[i][j], minKey, maxKey, clipped,
                        nonfinite);
  if (stats != nullptr) hs_stats_commit(stats, minKey, maxKey, clipped, nonfinite);
}

// ---------------------------------------------------------------------------------------------
// Tensor-core NT GEMM: mma.sync.m16n8k32 s8*s8 -> s32. 128x128 tile per block, 8 warps as 2 (M) x 4
// (N), 64x32 per warp (4 x 4 mma tiles), K in steps of 64 bytes, two-stage cp.async pipeline.
// Requires K % 16 == 0 (16-byte cp.async chunks; A and B 16-byte aligned); any M, N.
// Shared tiles are [row][k] with an 80-byte row stride (64 data + 16 pad) so the fragment loads
// (row g, word tig) of a warp hit 32 distinct banks.
// grid (ceil(N/128), ceil(M/128)), block 256.
#define MMA_BM 128
#define MMA_BN 128
#define MMA_BK 64
#define MMA_LDW 20  // row stride in 32-bit words

__device__ __forceinline__ void hs_cp_async16(void* smem, const void* gmem, bool valid) {
  unsigned int s = (unsigned int)__cvta_generic_to_shared(smem);
  int bytes = valid ? 16 : 0;  // 0: zero-fill, nothing read
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(bytes));
}
__device__ __forceinline__ void hs_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void hs_cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void hs_mma_s8(int (&d)[4], const unsigned int (&a)[4],
                                          unsigned int b0, unsigned int b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 "
      "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Loads the (128 x 64-byte) tiles of A and B at k0 into one stage: 512 16-byte chunks per operand,
// two per thread; rows past M/N and columns past K are zero-filled.
__device__ __forceinline__ void hs_mma_load_stage(unsigned int* As, unsigned int* Bs,
                                                  const signed char* A, const signed char* B,
                                                  int M, int N, int K, int m0, int n0, int k0) {
  int t = threadIdx.x;
#pragma unroll
  for (int l = 0; l < 2; l++) {
    int c = t + 256 * l;
    int r = c >> 2, part = c & 3;
    int k = k0 + part * 16;
    bool okA = (m0 + r < M) && (k < K);
    bool okB = (n0 + r < N) && (k < K);
    const signed char* srcA = okA ? A + (long long)(m0 + r) * K + k : A;
    const signed char* srcB = okB ? B + (long long)(n0 + r) * K + k : B;
    hs_cp_async16(As + r * MMA_LDW + part * 4, srcA, okA);
    hs_cp_async16(Bs + r * MMA_LDW + part * 4, srcB, okB);
  }
}

// ldmatrix.x4: four 8x8 b16 matrices (8 rows x 16 bytes each) from shared memory; lane l gives the
// address of row (l & 7) of matrix (l >> 3) and receives, from each matrix, row l/4, bytes 4(l%4)..+3:
// exactly the (row g, word tig) fragment layout of the int8 m16n8k32 operands.
__device__ __forceinline__ void hs_ldmatrix_x4(unsigned int (&r)[4], const void* smem) {
  unsigned int a = (unsigned int)__cvta_generic_to_shared(smem);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(a));
}

// The tensor-core NT GEMM body. kLdm selects how fragments reach registers and how the epilogue
// stores: false = one 32-bit shared load per fragment word and one store per output (gemm_s8_nt_mma);
// true = ldmatrix.x4 (6 instead of 24 shared loads per warp and k-step) and the two adjacent outputs of
// an accumulator half-row stored together (gemm_s8_nt_mma_ldm). Both give bit-identical results.
template <bool kLdm>
__device__ __forceinline__ void gemm_s8_nt_mma_body(HS_NT_PARAMS) {
  __shared__ __align__(16) unsigned int As[2][MMA_BM * MMA_LDW];
  __shared__ __align__(16) unsigned int Bs[2][MMA_BN * MMA_LDW];
  int t = threadIdx.x;
  int warp = t >> 5, lane = t & 31;
  int g = lane >> 2, tig = lane & 3;
  int warpM = warp >> 2, warpN = warp & 3;
  int m0 = blockIdx.y * MMA_BM, n0 = blockIdx.x * MMA_BN;

  int acc[4][4][4];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++)
#pragma unroll
      for (int r = 0; r < 4; r++) acc[i][j][r] = 0;

  int numK = (K + MMA_BK - 1) / MMA_BK;
  hs_mma_load_stage(As[0], Bs[0], A, B, M, N, K, m0, n0, 0);
  hs_cp_async_commit();
  for (int kt = 0; kt < numK; kt++) {
    int s = kt & 1;
    if (kt + 1 < numK) {
      hs_mma_load_stage(As[s ^ 1], Bs[s ^ 1], A, B, M, N, K, m0, n0, (kt + 1) * MMA_BK);
      hs_cp_async_commit();
      hs_cp_async_wait<1>();
    } else {
      hs_cp_async_wait<0>();
    }
    __syncthreads();
    const unsigned int* as = As[s];
    const unsigned int* bs = Bs[s];
#pragma unroll
    for (int ks = 0; ks < 2; ks++) {
      int kw = ks * 8 + tig;
      unsigned int af[4][4];
      unsigned int bf[4][2];
      if (kLdm) {
        // A: matrices (rows 0-7, k 0-15), (rows 8-15, k 0-15), (rows 0-7, k 16-31), (rows 8-15, k 16-31)
        int lr = lane & 7, lm = lane >> 3;
#pragma unroll
        for (int i = 0; i < 4; i++) {
          int row = warpM * 64 + i * 16 + lr + (lm & 1) * 8;
          hs_ldmatrix_x4(af[i], as + row * MMA_LDW + ks * 8 + (lm >> 1) * 4);
        }
        // B: matrices (tile j, k 0-15), (tile j, k 16-31), (tile j+1, k 0-15), (tile j+1, k 16-31)
#pragma unroll
        for (int j = 0; j < 4; j += 2) {
          unsigned int r[4];
          int col = warpN * 32 + (j + (lm >> 1)) * 8 + lr;
          hs_ldmatrix_x4(r, bs + col * MMA_LDW + ks * 8 + (lm & 1) * 4);
          bf[j][0] = r[0];
          bf[j][1] = r[1];
          bf[j + 1][0] = r[2];
          bf[j + 1][1] = r[3];
        }
      } else {
#pragma unroll
        for (int i = 0; i < 4; i++) {
          int row = warpM * 64 + i * 16 + g;
          af[i][0] = as[row * MMA_LDW + kw];
          af[i][1] = as[(row + 8) * MMA_LDW + kw];
          af[i][2] = as[row * MMA_LDW + kw + 4];
          af[i][3] = as[(row + 8) * MMA_LDW + kw + 4];
        }
#pragma unroll
        for (int j = 0; j < 4; j++) {
          int col = warpN * 32 + j * 8 + g;
          bf[j][0] = bs[col * MMA_LDW + kw];
          bf[j][1] = bs[col * MMA_LDW + kw + 4];
        }
      }
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) hs_mma_s8(acc[i][j], af[i], bf[j][0], bf[j][1]);
    }
    __syncthreads();
  }

  HsEpilogue e = hs_make_epilogue(M, N, rowsPerSample, scaleA, scaleB, scaleBPerChannel, zeroPointA, colSumB,
                                  bias, activation, outF32, outS8, outScale, zeroPoint, lo, hi,
                                  stochastic, key);
  int minKey = HS_KEY_POS_INF, maxKey = HS_KEY_NEG_INF;
  unsigned int clipped = 0u, nonfinite = 0u;
  // Accumulator fragment: d0 (g, 2tig), d1 (g, 2tig+1), d2 (g+8, 2tig), d3 (g+8, 2tig+1).
#pragma unroll
  for (int i = 0; i < 4; i++) {
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int row = m0 + warpM * 64 + i * 16 + g;
      int col = n0 + warpN * 32 + j * 8 + 2 * tig;
      if (kLdm) {
        hs_epilogue_apply_pair(e, row, col, acc[i][j][0], acc[i][j][1], minKey, maxKey, clipped,
                               nonfinite);
        hs_epilogue_apply_pair(e, row + 8, col, acc[i][j][2], acc[i][j][3], minKey, maxKey,
                               clipped, nonfinite);
      } else {
#pragma unroll
        for (int r = 0; r < 4; r++) {
          hs_epilogue_apply(e, row + (r >> 1) * 8, col + (r & 1), acc[i][j][r], minKey, maxKey,
                            clipped, nonfinite);
        }
      }
    }
  }
  if (stats != nullptr) hs_stats_commit(stats, minKey, maxKey, clipped, nonfinite);
}

extern "C" __global__ void __launch_bounds__(256) gemm_s8_nt_mma(HS_NT_PARAMS) {
  gemm_s8_nt_mma_body<false>(A, B, M, N, K, rowsPerSample, scaleA, scaleB, scaleBPerChannel, zeroPointA, colSumB,
                             bias, activation, outF32, outS8, outScale, zeroPoint, lo, hi,
                             stochastic, key, stats);
}

extern "C" __global__ void __launch_bounds__(256) gemm_s8_nt_mma_ldm(HS_NT_PARAMS) {
  gemm_s8_nt_mma_body<true>(A, B, M, N, K, rowsPerSample, scaleA, scaleB, scaleBPerChannel, zeroPointA, colSumB,
                            bias, activation, outF32, outS8, outScale, zeroPoint, lo, hi,
                            stochastic, key, stats);
}

// ---------------------------------------------------------------------------------------------
// Weight gradient, TN, phase 1: chunkSums[c, n, k] += sum over the block's rows m (all in chunk c of
// HS_WGRAD_FLUSH rows) of G[m, n] * (X[m, k] - zeroPointX)   (int32; chunkSums zeroed before).
// 64 (n) x 64 (k) tile per block, 256 threads (16 x 16), 4x4 outputs per thread (n = ty + 16i,
// k = tx + 16j), the block's slice of rowsPerSlice rows (blockIdx.z) in steps of 32 rows. Each step
// packs 4 consecutive rows of a column into one word (4x4 byte transpose with __byte_perm) so dp4a
// reduces over m; sum_m G[m, n] comes from the same words (dp4a with 0x01010101) for the zero-point
// correction acc - zeroPointX * gsum. The slices of one chunk meet in integer atomics: integer
// addition is exact and associative, so the sums do not depend on the slicing or on the order in
// which blocks finish (|chunk sum| < 2^31 by the chunk size). rowsPerSlice: a multiple of 32 that
// divides HS_WGRAD_FLUSH. Parallelism comes from the slices: a 16 x 144 weight gradient over 131072
// rows is 3 tiles but 3 x 128 blocks at 1024 rows per slice.
// grid (ceil(K/64), ceil(N/64), ceil(M / rowsPerSlice)), block 256.
#define WG_BN 64
#define WG_BK 64
#define WG_BMW 8  // words (4 rows each) of M per step
#define HS_WGRAD_FLUSH 32768

// Packs rows (m..m+3) x cols (c..c+3) of P (rows x cols, int8) into 4 words, word j = column c+j
// with byte i = P[m+i][c+j]; out-of-range bytes are zero.
__device__ __forceinline__ void hs_load_4x4_transposed(const signed char* __restrict__ P, int rows,
                                                       int cols, int m, int c, bool aligned,
                                                       unsigned int (&out)[4]) {
  unsigned int r[4];
#pragma unroll
  for (int i = 0; i < 4; i++) r[i] = (unsigned int)hs_load_word(P, m + i, rows, c, cols, aligned);
  unsigned int lo01 = __byte_perm(r[0], r[1], 0x5140);  // [a0 b0 a1 b1]
  unsigned int lo23 = __byte_perm(r[2], r[3], 0x5140);  // [c0 d0 c1 d1]
  unsigned int hi01 = __byte_perm(r[0], r[1], 0x7362);  // [a2 b2 a3 b3]
  unsigned int hi23 = __byte_perm(r[2], r[3], 0x7362);  // [c2 d2 c3 d3]
  out[0] = __byte_perm(lo01, lo23, 0x5410);             // [a0 b0 c0 d0]
  out[1] = __byte_perm(lo01, lo23, 0x7632);             // [a1 b1 c1 d1]
  out[2] = __byte_perm(hi01, hi23, 0x5410);
  out[3] = __byte_perm(hi01, hi23, 0x7632);
}

extern "C" __global__ void __launch_bounds__(256) gemm_s8_tn_wgrad(
    const signed char* __restrict__ G, const signed char* __restrict__ X, int M, int N, int K,
    int zeroPointX, int rowsPerSlice, int* __restrict__ chunkSums) {
  __shared__ unsigned int Gs[WG_BMW][WG_BN + 4];
  __shared__ unsigned int Xs[WG_BMW][WG_BK + 4];
  int t = threadIdx.x;
  int tx = t & 15, ty = t >> 4;
  int n0 = blockIdx.y * WG_BN, k0 = blockIdx.x * WG_BK;
  int mBegin = blockIdx.z * rowsPerSlice;
  int mEnd = min(M, mBegin + rowsPerSlice);
  bool alignedG = (N & 3) == 0, alignedX = (K & 3) == 0;
  int acc[4][4], gsum[4];
#pragma unroll
  for (int i = 0; i < 4; i++) {
    gsum[i] = 0;
#pragma unroll
    for (int j = 0; j < 4; j++) acc[i][j] = 0;
  }
  for (int m0 = mBegin; m0 < mEnd; m0 += WG_BMW * 4) {
    // 128 jobs per operand: job = (mw 0..7, column group 0..15); threads 0..127 G, 128..255 X.
    // Rows at or past mEnd belong to the next slice: they load as zero.
    int job = t & 127;
    int mw = job >> 4, cg = job & 15;
    unsigned int w[4];
    if (t < 128) {
      hs_load_4x4_transposed(G, mEnd, N, m0 + 4 * mw, n0 + 4 * cg, alignedG, w);
#pragma unroll
      for (int j = 0; j < 4; j++) Gs[mw][4 * cg + j] = w[j];
    } else {
      hs_load_4x4_transposed(X, mEnd, K, m0 + 4 * mw, k0 + 4 * cg, alignedX, w);
#pragma unroll
      for (int j = 0; j < 4; j++) Xs[mw][4 * cg + j] = w[j];
    }
    __syncthreads();
#pragma unroll
    for (int kw = 0; kw < WG_BMW; kw++) {
      int a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = (int)Gs[kw][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = (int)Xs[kw][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++) {
        gsum[i] = __dp4a(a[i], 0x01010101, gsum[i]);
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
      }
    }
    __syncthreads();
  }
  int* sums = chunkSums + (long long)(mBegin / HS_WGRAD_FLUSH) * N * K;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    int n = n0 + ty + 16 * i;
    if (n >= N) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int k = k0 + tx + 16 * j;
      if (k >= K) continue;
      atomicAdd(&sums[(long long)n * K + k], acc[i][j] - zeroPointX * gsum[i]);
    }
  }
}

// Weight gradient, phase 2, one thread per output (grid-stride):
//   accf = float(chunkSums[0, n, k]) + float(chunkSums[1, n, k]) + ...   (chunk order)
//   dW[n, k] = (accf * scaleG) * scaleX   (+ beta * dW[n, k] when beta != 0; dW read only then)
extern "C" __global__ void wgrad_finish(const int* __restrict__ chunkSums, int chunks, int N, int K,
                                        float scaleG, float scaleX, float beta, float* __restrict__ dW) {
  long long total = (long long)N * K;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    float accf = 0.f;
    for (int c = 0; c < chunks; c++) accf = __fadd_rn(accf, __int2float_rn(chunkSums[c * total + idx]));
    float v = __fmul_rn(__fmul_rn(accf, scaleG), scaleX);
    if (beta != 0.f) v = __fadd_rn(__fmul_rn(beta, dW[idx]), v);
    dW[idx] = v;
  }
}

// ---------------------------------------------------------------------------------------------
// out (cols, rows) = in (rows, cols)^T, int8. 32x32 tiles through shared memory.
// grid (ceil(cols/32), ceil(rows/32)), block (32, 8).
extern "C" __global__ void transpose_s8(const signed char* __restrict__ in, int rows, int cols,
                                        signed char* __restrict__ out) {
  __shared__ signed char tile[32][33];
  int c0 = blockIdx.x * 32, r0 = blockIdx.y * 32;
  for (int i = threadIdx.y; i < 32; i += 8) {
    int r = r0 + i, c = c0 + threadIdx.x;
    if (r < rows && c < cols) tile[i][threadIdx.x] = in[(long long)r * cols + c];
  }
  __syncthreads();
  for (int i = threadIdx.y; i < 32; i += 8) {
    int c = c0 + i, r = r0 + threadIdx.x;
    if (r < rows && c < cols) out[(long long)c * rows + r] = tile[threadIdx.x][i];
  }
}

// out[r] = sum_c in[r, c] for in (rows, cols) int8: the colSumB of the NT epilogue.
// One warp per row; grid-stride over rows. grid any, block 256.
extern "C" __global__ void rowsum_s8(const signed char* __restrict__ in, int rows, int cols,
                                     int* __restrict__ out) {
  int lane = threadIdx.x & 31;
  int warpsPerBlock = blockDim.x >> 5;
  for (int r = blockIdx.x * warpsPerBlock + (threadIdx.x >> 5); r < rows;
       r += gridDim.x * warpsPerBlock) {
    const signed char* p = in + (long long)r * cols;
    int s = 0;
    for (int c = lane; c < cols; c += 32) s += p[c];
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) out[r] = s;
  }
}

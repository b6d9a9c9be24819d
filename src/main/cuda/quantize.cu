// quantize.cu: FP32 -> low-bit integer quantization, static (in-hindsight) and dynamic.
//
// Static, one pass (quantize_static_stats): the range [lo, hi] was estimated on previous
// iterations, so the quantization parameters are known before the tensor is read; the kernel
// reads x once, writes the levels once and records x's min/max/clipped/non-finite counts for the
// next iteration's range. Traffic: 4 bytes read + 1 (or 2) bytes written per element.
//
// Dynamic, two passes (minmax_reduce, then quantize_with_range): the range comes from the tensor
// itself, so x must be read once to find it and once more to quantize it (and, in a layer, the
// producer must first have written the FP32 tensor). Traffic: 4 + 4 read + 1 written per element.
//
// The formula: io.hindsight.quant.math.FakeQuant.level (hs_level in hs_common.cuh), bit-exact.
#include "hs_common.cuh"

// stats[i] = identity (min +Inf, max -Inf, counts 0) for i < count.
extern "C" __global__ void hs_stats_init(HsStats* stats, int count) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < count) {
    stats[i].minKey = HS_KEY_POS_INF;
    stats[i].maxKey = HS_KEY_NEG_INF;
    stats[i].clipped = 0ULL;
    stats[i].nonfinite = 0ULL;
  }
}

// Quantizes one element and folds it into the thread's statistics.
__device__ __forceinline__ int quantize_one(float x, const HsQuantParams& p, unsigned long long idx,
                                            int& minKey, int& maxKey, unsigned int& clipped,
                                            unsigned int& nonfinite) {
  if (hs_stats_add(x, minKey, maxKey, nonfinite)) {
    bool clip = false;
    int q = hs_quantize_finite(x, p, idx, &clip);
    clipped += clip ? 1u : 0u;
    return q;
  }
  return hs_quantize_nonfinite(x, p);
}

// Quantizes the four elements of group g (float4 v) and stores their levels.
__device__ __forceinline__ void quantize_group(float4 v, long long g, void* __restrict__ q,
                                               const HsQuantParams& p, int outBytes, int& minKey,
                                               int& maxKey, unsigned int& clipped,
                                               unsigned int& nonfinite) {
  unsigned long long i0 = (unsigned long long)g * 4ULL;
  int q0 = quantize_one(v.x, p, i0, minKey, maxKey, clipped, nonfinite);
  int q1 = quantize_one(v.y, p, i0 + 1, minKey, maxKey, clipped, nonfinite);
  int q2 = quantize_one(v.z, p, i0 + 2, minKey, maxKey, clipped, nonfinite);
  int q3 = quantize_one(v.w, p, i0 + 3, minKey, maxKey, clipped, nonfinite);
  if (outBytes == 1) {
    reinterpret_cast<char4*>(q)[g] =
        make_char4((signed char)q0, (signed char)q1, (signed char)q2, (signed char)q3);
  } else {
    reinterpret_cast<short4*>(q)[g] = make_short4((short)q0, (short)q1, (short)q2, (short)q3);
  }
}

// Grid-stride loop over the float4 groups [0, groups) of x4: calls f(group value, group index) for
// each group of this thread. Each thread issues the (streaming) loads of HS_Q_UNROLL groups before
// handing any of them to f, so enough bytes are in flight to saturate DRAM (one 16-byte load per
// thread at a time is latency-bound).
#define HS_Q_UNROLL 4
template <typename F>
__device__ __forceinline__ void hs_for_each_float4(const float4* __restrict__ x4, long long groups,
                                                   long long tid, long long threads, F f) {
  long long g = tid;
  for (; g + (HS_Q_UNROLL - 1) * threads < groups; g += HS_Q_UNROLL * threads) {
    float4 v[HS_Q_UNROLL];
#pragma unroll
    for (int u = 0; u < HS_Q_UNROLL; u++) v[u] = __ldcs(x4 + g + u * threads);
#pragma unroll
    for (int u = 0; u < HS_Q_UNROLL; u++) f(v[u], g + u * threads);
  }
  for (; g < groups; g += threads) f(__ldcs(x4 + g), g);
}

// Shared body of both quantize kernels. x (n) float32; q (n) int8 (outBytes 1) or int16 (2).
// Four elements per thread per group (float4 load, 4- or 8-byte store) when the pointers allow it.
__device__ __forceinline__ void quantize_body(const float* __restrict__ x, void* __restrict__ q,
                                              long long n, const HsQuantParams& p, int outBytes,
                                              HsStats* stats) {
  int minKey = HS_KEY_POS_INF, maxKey = HS_KEY_NEG_INF;
  unsigned int clipped = 0u, nonfinite = 0u;
  long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  long long threads = (long long)gridDim.x * blockDim.x;
  bool vec = (((uintptr_t)x & 15) == 0) && (((uintptr_t)q & (outBytes == 1 ? 3 : 7)) == 0);
  long long groups = vec ? n / 4 : 0;
  hs_for_each_float4(reinterpret_cast<const float4*>(x), groups, tid, threads,
                     [&](float4 v, long long g) {
                       quantize_group(v, g, q, p, outBytes, minKey, maxKey, clipped, nonfinite);
                     });
  for (long long i = groups * 4 + tid; i < n; i += threads) {
    int qi = quantize_one(x[i], p, (unsigned long long)i, minKey, maxKey, clipped, nonfinite);
    if (outBytes == 1) {
      reinterpret_cast<signed char*>(q)[i] = (signed char)qi;
    } else {
      reinterpret_cast<short*>(q)[i] = (short)qi;
    }
  }
  if (stats != nullptr) {
    hs_stats_commit(stats, minKey, maxKey, clipped, nonfinite);
  }
}

// Static (in-hindsight) quantization in one pass, recording x's statistics.
//   x (n) float32 -> q (n) int8/int16 codes hs_level(x) + zeroPoint (levels [lo, hi]; key: the
//   CounterRng key of stochastic rounding)
//   stats: atomically merged min/max of finite x, clipped and non-finite counts (must be
//   initialised by hs_stats_init or by the host).
extern "C" __global__ void quantize_static_stats(const float* __restrict__ x, void* __restrict__ q,
                                                 long long n, float scale, int zeroPoint, int lo,
                                                 int hi, int outBytes, int stochastic,
                                                 unsigned long long key, HsStats* stats) {
  HsQuantParams p;
  p.scale = scale;
  p.zeroPoint = zeroPoint;
  p.lo = lo;
  p.hi = hi;
  p.stochastic = stochastic;
  p.key = key;
  quantize_body(x, q, n, p, outBytes, stats);
}

__device__ __forceinline__ void minmax_group(float4 v, int& minKey, int& maxKey,
                                             unsigned int& nonfinite) {
  float e[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int j = 0; j < 4; j++) hs_stats_add(e[j], minKey, maxKey, nonfinite);
}

// Dynamic pass 1 (same load pattern as quantize_body): min/max of the finite values of x (n) and its non-finite count, into stats.
extern "C" __global__ void minmax_reduce(const float* __restrict__ x, long long n, HsStats* stats) {
  int minKey = HS_KEY_POS_INF, maxKey = HS_KEY_NEG_INF;
  unsigned int nonfinite = 0u;
  long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  long long threads = (long long)gridDim.x * blockDim.x;
  bool vec = ((uintptr_t)x & 15) == 0;
  long long groups = vec ? n / 4 : 0;
  hs_for_each_float4(reinterpret_cast<const float4*>(x), groups, tid, threads,
                     [&](float4 v, long long) { minmax_group(v, minKey, maxKey, nonfinite); });
  for (long long i = groups * 4 + tid; i < n; i += threads) hs_stats_add(x[i], minKey, maxKey, nonfinite);
  hs_stats_commit(stats, minKey, maxKey, 0u, nonfinite);
}

// Dynamic pass 2: derives the parameters from the range that pass 1 wrote into `range`
// (hs_derive_params, on the device: no host round trip) and quantizes x (n) into q.
//   bits 2..16 (outBytes = bits <= 8 ? 1 : 2); symmetric selects the scheme.
//   paramsOut (nullable, 4 x int32): scale (float bits), zeroPoint, lo, hi, written by thread 0.
//   stats (nullable): statistics of this pass (clipped: more than half a step outside the range).
extern "C" __global__ void quantize_with_range(const float* __restrict__ x, void* __restrict__ q,
                                               long long n, const HsStats* __restrict__ range,
                                               int bits, int symmetric, int stochastic,
                                               unsigned long long key, int* paramsOut,
                                               HsStats* stats) {
  HsQuantParams p;
  hs_derive_params(hs_key_float(range->minKey), hs_key_float(range->maxKey), bits, symmetric, &p);
  p.stochastic = stochastic;
  p.key = key;
  if (paramsOut != nullptr && blockIdx.x == 0 && threadIdx.x == 0) {
    paramsOut[0] = __float_as_int(p.scale);
    paramsOut[1] = p.zeroPoint;
    paramsOut[2] = p.lo;
    paramsOut[3] = p.hi;
  }
  quantize_body(x, q, n, p, bits <= 8 ? 1 : 2, stats);
}

// Dequantization (validation and FP32 consumers): y = (q - zeroPoint) * scale, q int8 or int16.
extern "C" __global__ void dequantize(const void* __restrict__ q, float* __restrict__ y, long long n,
                                      float scale, int zeroPoint, int inBytes) {
  long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  long long threads = (long long)gridDim.x * blockDim.x;
  for (long long i = tid; i < n; i += threads) {
    int v = inBytes == 1 ? (int)reinterpret_cast<const signed char*>(q)[i]
                         : (int)reinterpret_cast<const short*>(q)[i];
    y[i] = __fmul_rn((float)(v - zeroPoint), scale);
  }
}

// hs_common.cuh: device helpers shared by the Hindsight kernels.
//
// Everything here has a bit-exact Java twin in io.hindsight.quant.math (FakeQuant, QuantParams) and
// io.hindsight.util.CounterRng; the float operations use explicit round-to-nearest intrinsics (__fmul_rn, __fadd_rn,
// __fdiv_rn) so that nvcc never contracts them into FMAs and the Java twin reproduces every bit.
#pragma once
#include <stdint.h>

// ---------------------------------------------------------------------------------------------
// Tensor statistics recorded by the producing kernel (in-hindsight range estimation).
//   minKey/maxKey: order-preserving int keys of the smallest/largest finite value (atomicMin/Max);
//   clipped:       values more than half a step outside the grid (FakeQuant.clipped);
//   nonfinite:     NaN/+-Inf values (excluded from min/max, never counted as clipped).
// Layout (24 bytes, 8-byte aligned): int32 minKey, int32 maxKey, uint64 clipped, uint64 nonfinite.
struct HsStats {
  int minKey;
  int maxKey;
  unsigned long long clipped;
  unsigned long long nonfinite;
};

// float -> int key whose signed order is the float order (-0.0 sorts just below +0.0).
__device__ __forceinline__ int hs_float_key(float f) {
  int b = __float_as_int(f);
  return b >= 0 ? b : (b ^ 0x7FFFFFFF);
}

__device__ __forceinline__ float hs_key_float(int k) {
  return __int_as_float(k >= 0 ? k : (k ^ 0x7FFFFFFF));
}

// Keys of +Inf and -Inf: the identities that minKey and maxKey start from (no finite value seen).
#define HS_KEY_POS_INF 0x7F800000
#define HS_KEY_NEG_INF ((int)0x807FFFFF)  // bits 0xFF800000 ^ 0x7FFFFFFF

// Folds value v into a thread's statistics: a finite value into the min and max keys, any other
// counted as non-finite. Returns whether v is finite.
__device__ __forceinline__ bool hs_stats_add(float v, int& minKey, int& maxKey, unsigned int& nonfinite) {
  if (isfinite(v)) {
    int k = hs_float_key(v);
    minKey = min(minKey, k);
    maxKey = max(maxKey, k);
    return true;
  }
  nonfinite++;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Counter-based RNG of stochastic rounding (io.hindsight.util.CounterRng, bit-exact): the
// host computes one key per quantization, key = mix(seed + (counter + 1) * 0x9E3779B97F4A7C15),
// and the number of element `index` is
//   u = (mix(key + (index + 1) * 0x9E3779B97F4A7C15) >> 40) * 2^-24     (24 random bits, in [0, 1))
// with mix = SplitMix64's finalizer. Stateless: any thread draws the number of any element.
__device__ __forceinline__ unsigned long long hs_mix64(unsigned long long z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

__device__ __forceinline__ float hs_uniform(unsigned long long key, unsigned long long index) {
  unsigned long long z = hs_mix64(key + (index + 1ULL) * 0x9E3779B97F4A7C15ULL);
  return (float)(unsigned int)(z >> 40) * 5.9604644775390625e-8f;  // 2^-24
}

// ---------------------------------------------------------------------------------------------
// The quantization formula (io.hindsight.quant.math.FakeQuant.level, the same IEEE operations):
//   v = x / scale                                   (__fdiv_rn: ONNX QuantizeLinear's x / y_scale)
//   clipped iff v < lo - 0.5 or v > hi + 0.5        (more than half a step outside the grid)
//   c = min(max(v, lo), hi)
//   nearest: r = rint(c)                            stochastic: f = floor(c); r = f + (u < c - f)
//   code = r + zeroPoint (stored), value = r * scale
//   NaN -> r = 0, +Inf -> hi, -Inf -> lo (non-finite, not clipped).
// lo = qmin - zeroPoint and hi = qmax - zeroPoint are the channel's levels (QuantParams.lo/hi);
// a zero-width range has lo = hi = 0 (everything becomes 0).
struct HsQuantParams {
  float scale;
  int zeroPoint;
  int lo;
  int hi;
  int stochastic;
  unsigned long long key;
};

// The level of finite x (an integer-valued float in [lo, hi]); sets *clip when x was clipped.
__device__ __forceinline__ float hs_level(float x, const HsQuantParams& p, unsigned long long index,
                                          bool* clip) {
  float v = __fdiv_rn(x, p.scale);
  float lo = (float)p.lo, hi = (float)p.hi;
  *clip = v < __fsub_rn(lo, 0.5f) || v > __fadd_rn(hi, 0.5f);
  float c = v < lo ? lo : (v > hi ? hi : v);
  if (!p.stochastic) return rintf(c);
  float f = floorf(c);
  return hs_uniform(p.key, index) < __fsub_rn(c, f) ? __fadd_rn(f, 1.f) : f;
}

// The stored code of finite x; sets *clip when x was clipped.
__device__ __forceinline__ int hs_quantize_finite(float x, const HsQuantParams& p,
                                                  unsigned long long index, bool* clip) {
  return (int)hs_level(x, p, index, clip) + p.zeroPoint;
}

__device__ __forceinline__ int hs_quantize_nonfinite(float x, const HsQuantParams& p) {
  if (x != x) return p.zeroPoint;
  return (x > 0.f ? p.hi : p.lo) + p.zeroPoint;
}

// The stored code of any x (finite or not), without statistics.
__device__ __forceinline__ int hs_quantize(float x, const HsQuantParams& p, unsigned long long index) {
  bool clip = false;
  return isfinite(x) ? hs_quantize_finite(x, p, index, &clip) : hs_quantize_nonfinite(x, p);
}

// ---------------------------------------------------------------------------------------------
// Quantization parameters derived from a range [lo, hi] (io.hindsight.quant.math.QuantParams.of,
// the same double operations), used on the device by the dynamic path, which reads the range that
// minmax_reduce just wrote. half = 2^(bits-1):
//   symmetric:  scale = float(max(|lo|, |hi|) / (half - 1)); zeroPoint 0; levels [-(half-1), half-1]
//   asymmetric: lo' = min(lo, 0), hi' = max(hi, 0); steps = 2^bits - 1;
//               scale = float((hi' - lo') / steps); z = clamp(rint(-lo' / scale), 0, steps);
//               zeroPoint = -half + z; levels [-z, steps - z]
//   a scale below FLT_MIN or infinite: zero width (scale 1, zeroPoint 0, levels [0, 0]).
// lo > hi (no finite value seen: the identity +Inf/-Inf) is treated as the range [0, 0].
__device__ __forceinline__ void hs_derive_params(float lo, float hi, int bits, int symmetric,
                                                 HsQuantParams* p) {
  if (!(lo <= hi)) { lo = 0.f; hi = 0.f; }
  int half = 1 << (bits - 1);
  float scale;
  if (symmetric) {
    double amax = fmax(fabs((double)lo), fabs((double)hi));
    scale = __double2float_rn(__ddiv_rn(amax, (double)(half - 1)));
    p->lo = -(half - 1);
    p->hi = half - 1;
    p->zeroPoint = 0;
  } else {
    double mn = fmin((double)lo, 0.0), mx = fmax((double)hi, 0.0);
    int steps = (1 << bits) - 1;
    scale = __double2float_rn(__ddiv_rn(__dadd_rn(mx, -mn), (double)steps));
    double z = rint(__ddiv_rn(-mn, (double)scale));
    z = fmin(fmax(z, 0.0), (double)steps);
    p->lo = -(int)z;
    p->hi = steps - (int)z;
    p->zeroPoint = -half + (int)z;
  }
  if (!(scale >= 1.17549435e-38f) || isinf(scale)) {
    scale = 1.f;
    p->lo = 0;
    p->hi = 0;
    p->zeroPoint = 0;
  }
  p->scale = scale;
}

// ---------------------------------------------------------------------------------------------
// Block-wide reduction of a thread's statistics, then one set of atomics per block.
// blockDim.x must be a multiple of 32 and at most 1024.
__device__ __forceinline__ void hs_stats_commit(HsStats* stats, int minKey, int maxKey,
                                                unsigned int clipped, unsigned int nonfinite) {
  __shared__ int sMin[32];
  __shared__ int sMax[32];
  __shared__ unsigned int sClip[32];
  __shared__ unsigned int sNonf[32];
  for (int o = 16; o > 0; o >>= 1) {
    minKey = min(minKey, __shfl_xor_sync(0xffffffffu, minKey, o));
    maxKey = max(maxKey, __shfl_xor_sync(0xffffffffu, maxKey, o));
    clipped += __shfl_xor_sync(0xffffffffu, clipped, o);
    nonfinite += __shfl_xor_sync(0xffffffffu, nonfinite, o);
  }
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  int warps = blockDim.x >> 5;
  if (lane == 0) {
    sMin[warp] = minKey;
    sMax[warp] = maxKey;
    sClip[warp] = clipped;
    sNonf[warp] = nonfinite;
  }
  __syncthreads();
  if (warp == 0) {
    minKey = lane < warps ? sMin[lane] : HS_KEY_POS_INF;
    maxKey = lane < warps ? sMax[lane] : HS_KEY_NEG_INF;
    clipped = lane < warps ? sClip[lane] : 0u;
    nonfinite = lane < warps ? sNonf[lane] : 0u;
    for (int o = 16; o > 0; o >>= 1) {
      minKey = min(minKey, __shfl_xor_sync(0xffffffffu, minKey, o));
      maxKey = max(maxKey, __shfl_xor_sync(0xffffffffu, maxKey, o));
      clipped += __shfl_xor_sync(0xffffffffu, clipped, o);
      nonfinite += __shfl_xor_sync(0xffffffffu, nonfinite, o);
    }
    if (lane == 0) {
      if (minKey != HS_KEY_POS_INF) atomicMin(&stats->minKey, minKey);
      if (maxKey != HS_KEY_NEG_INF) atomicMax(&stats->maxKey, maxKey);
      if (clipped) atomicAdd(&stats->clipped, (unsigned long long)clipped);
      if (nonfinite) atomicAdd(&stats->nonfinite, (unsigned long long)nonfinite);
    }
  }
}

// Warp-level variant: one set of atomics per warp, no block barrier (for kernels whose warps do not
// all reach the same point, e.g. one-warp-per-row loops).
__device__ __forceinline__ void hs_stats_commit_warp(HsStats* stats, int minKey, int maxKey,
                                                     unsigned int clipped, unsigned int nonfinite) {
  for (int o = 16; o > 0; o >>= 1) {
    minKey = min(minKey, __shfl_xor_sync(0xffffffffu, minKey, o));
    maxKey = max(maxKey, __shfl_xor_sync(0xffffffffu, maxKey, o));
    clipped += __shfl_xor_sync(0xffffffffu, clipped, o);
    nonfinite += __shfl_xor_sync(0xffffffffu, nonfinite, o);
  }
  if ((threadIdx.x & 31) == 0) {
    if (minKey != HS_KEY_POS_INF) atomicMin(&stats->minKey, minKey);
    if (maxKey != HS_KEY_NEG_INF) atomicMax(&stats->maxKey, maxKey);
    if (clipped) atomicAdd(&stats->clipped, (unsigned long long)clipped);
    if (nonfinite) atomicAdd(&stats->nonfinite, (unsigned long long)nonfinite);
  }
}

// ---------------------------------------------------------------------------------------------
// Block-wide double sum (fixed tree order: deterministic); blockDim.x a multiple of 32.
__device__ __forceinline__ double hs_block_sum_d(double v) {
  __shared__ double partial[32];
  __shared__ double result;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    double r = lane < (blockDim.x >> 5) ? partial[lane] : 0.0;
    for (int o = 16; o > 0; o >>= 1) r += __shfl_xor_sync(0xffffffffu, r, o);
    if (lane == 0) result = r;
  }
  __syncthreads();
  double out = result;
  __syncthreads();  // result may be rewritten by the next call
  return out;
}

// ---------------------------------------------------------------------------------------------
// Batch-norm channel statistics in a fixed order (io.hindsight.device.sim.NormPoolRef, bit-exact).
// The count = N * HW values of channel c, j = sample * HW + pixel, are dealt to P = S * blockDim.x
// virtual threads (S = gridDim.y segments per channel): thread p = s * blockDim.x + t takes
// j = p, p + P, ... and sums them in that order (double); block (c, s) tree-sums its threads
// (hs_block_sum_d) into partial[c * S + s]; a channel's total adds its S partials in segment order
// (hs_segment_total), redone by every block that needs it. Many blocks per channel keep the GPU busy
// where one block per channel left most multiprocessors idle.

// NCHW index of value j of channel c (j = sample * HW + pixel); the division in 32 bits where j
// fits, as it always does for a channel of fewer than 2^32 values (64-bit division is emulated).
// BEGIN hs_bn_index (extracted by the host check of scripts/check-layout-kernels.sh)
__device__ __forceinline__ long long hs_bn_index(long long j, int c, int C, int HW) {
  if (j < 4294967296LL) {
    unsigned int jj = (unsigned int)j, s = jj / (unsigned int)HW, p = jj % (unsigned int)HW;
    return ((long long)s * C + c) * (long long)HW + p;
  }
  return ((j / HW) * C + c) * (long long)HW + j % HW;
}
// END hs_bn_index

__device__ __forceinline__ double hs_segment_total(const double* __restrict__ partial, int segments) {
  double t = 0.0;
  for (int s = 0; s < segments; s++) t = __dadd_rn(t, partial[s]);
  return t;
}

// ---------------------------------------------------------------------------------------------
// A producer's quantized output (fused in-hindsight quantization): the int8 codes of one per-tensor
// quantizer, its optional STE mask, and the statistics every thread accumulates and the block
// commits to qStats. The mask is one bit per element (SteMaskBits): bit idx & 31 of word idx >> 5
// is set where the clipping STE stops the gradient (the value was clipped or not finite), and
// qMaskSummary holds one bit per mask word: bit j & 31 of summary word j >> 5 is set when word j
// has a bit set, so that apply_mask reads only the words that stop something. Both are zero
// before the kernel runs (zeroed once, then cleared by apply_mask after each use); the kernel
// sets the stopped bits with atomicOr, so its lanes need not cover whole words and the result does
// not depend on the order. The parameters of kernels with a quantized output (HS_QOUT_PARAMS), in
// this order:
//   q (int8 codes, nullable: no quantized output), qMask (nullable), qScale, qZeroPoint, qLo, qHi,
//   qStochastic, qKey (CounterRng key), qStats (HsStats, nullable), qMaskSummary (with qMask)
#define HS_QOUT_PARAMS                                                                          \
  signed char *__restrict__ q, unsigned int *__restrict__ qMask, float qScale, int qZeroPoint, \
      int qLo, int qHi, int qStochastic, unsigned long long qKey, HsStats *qStats,            \
      unsigned int *__restrict__ qMaskSummary

struct HsQOut {
  signed char* q;
  unsigned int* mask;
  unsigned int* maskSummary;
  HsQuantParams p;
  HsStats* stats;
  int minKey, maxKey;
  unsigned int clipped, nonfinite;
};

__device__ __forceinline__ HsQOut hs_qout(signed char* q, unsigned int* qMask, float qScale,
                                          int qZeroPoint, int qLo, int qHi, int qStochastic,
                                          unsigned long long qKey, HsStats* qStats,
                                          unsigned int* qMaskSummary = nullptr) {
  HsQOut o;
  o.q = q;
  o.mask = qMask;
  o.maskSummary = qMaskSummary;
  o.p.scale = qScale;
  o.p.zeroPoint = qZeroPoint;
  o.p.lo = qLo;
  o.p.hi = qHi;
  o.p.stochastic = qStochastic;
  o.p.key = qKey;
  o.stats = qStats;
  o.minKey = HS_KEY_POS_INF;
  o.maxKey = HS_KEY_NEG_INF;
  o.clipped = 0u;
  o.nonfinite = 0u;
  return o;
}
#define HS_QOUT_ARGS q, qMask, qScale, qZeroPoint, qLo, qHi, qStochastic, qKey, qStats, qMaskSummary

// A second quantized output of the same values for another quantizer (its own range, mask and
// statistics): a residual block's input read by both the main branch's and the shortcut
// convolution's quantizers. Same order as HS_QOUT_PARAMS, names prefixed q2.
#define HS_QOUT2_PARAMS                                                                              \
  signed char *__restrict__ q2, unsigned int *__restrict__ q2Mask, float q2Scale, int q2ZeroPoint, \
      int q2Lo, int q2Hi, int q2Stochastic, unsigned long long q2Key, HsStats *q2Stats,          \
      unsigned int *__restrict__ q2MaskSummary
#define HS_QOUT2_ARGS q2, q2Mask, q2Scale, q2ZeroPoint, q2Lo, q2Hi, q2Stochastic, q2Key, q2Stats, q2MaskSummary

// Sets element idx's bit of a (nullable) STE mask: the gradient stops there. The thread that
// finds its word zero (the first to stop an element of it) sets the word's summary bit.
__device__ __forceinline__ void hs_mask_stop(unsigned int* mask, unsigned int* summary, long long idx) {
  if (mask == nullptr) return;
  long long word = idx >> 5;
  unsigned int before = atomicOr(mask + word, 1u << (unsigned int)(idx & 31));
  if (before == 0u) atomicOr(summary + (word >> 5), 1u << (unsigned int)(word & 31));
}

// Quantizes value v of flat element idx into the output (when it has one) and its statistics;
// returns the code stored (0 without an output).
__device__ __forceinline__ signed char hs_qout_put(HsQOut& o, long long idx, float v) {
  if (o.q == nullptr) return 0;
  signed char code;
  if (hs_stats_add(v, o.minKey, o.maxKey, o.nonfinite)) {
    bool clip = false;
    code = (signed char)hs_quantize_finite(v, o.p, (unsigned long long)idx, &clip);
    o.clipped += clip ? 1u : 0u;
    if (clip) hs_mask_stop(o.mask, o.maskSummary, idx);
  } else {
    code = (signed char)hs_quantize_nonfinite(v, o.p);
    hs_mask_stop(o.mask, o.maskSummary, idx);
  }
  o.q[idx] = code;
  return code;
}

// Commits the thread's statistics (every thread of the block must call it).
__device__ __forceinline__ void hs_qout_commit(HsQOut& o) {
  if (o.q != nullptr && o.stats != nullptr) hs_stats_commit(o.stats, o.minKey, o.maxKey, o.clipped, o.nonfinite);
}

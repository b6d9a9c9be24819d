// hs_common.cuh: device helpers shared by the Hindsight kernels.
//
// Everything here has a bit-exact Java twin in io.hindsight.cuda.QuantRef; the float operations use
// explicit round-to-nearest intrinsics (__fmul_rn, __fadd_rn, __fdiv_rn) so that nvcc never
// contracts them into FMAs and the CPU reference reproduces every output bit.
#pragma once
#include <stdint.h>

// ---------------------------------------------------------------------------------------------
// Tensor statistics recorded by the producing kernel (in-hindsight range estimation).
//   minKey/maxKey: order-preserving int keys of the smallest/largest finite value (atomicMin/Max);
//   clipped:       values whose rounded level fell outside [qmin, qmax] and were clamped;
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

// ---------------------------------------------------------------------------------------------
// Counter-based RNG for stochastic rounding: SplitMix64 evaluated at position `index` of stream
// `seed` (stateless, so any thread can draw the number for any element, and the CPU reference
// draws the same one):
//   z = seed + (index + 1) * 0x9E3779B97F4A7C15
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//   z =  z ^ (z >> 31)
//   u = (z >> 40) * 2^-24            (24 random bits, exactly representable, u in [0, 1))
__device__ __forceinline__ float hs_uniform(unsigned long long seed, unsigned long long index) {
  unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return (float)(unsigned int)(z >> 40) * 5.9604644775390625e-8f;  // 2^-24
}

// ---------------------------------------------------------------------------------------------
// Uniform integer quantization with precomputed parameters (QuantRef.quantize):
//   v = x * invScale                                  (__fmul_rn)
//   r = nearest-even(v)        or  floor(v + u)       (stochastic, u = hs_uniform(seed, index))
//   level = r + zeroPoint, clamped to [qmin, qmax]    (clamp => clipped)
//   NaN -> zeroPoint (the value 0.0), +Inf -> qmax, -Inf -> qmin (non-finite, not clipped).
struct HsQuantParams {
  float invScale;
  int zeroPoint;
  int qmin;
  int qmax;
  int stochastic;
  unsigned long long seed;
};

// Returns the level; sets *clip when clamped. x must be finite (callers branch on isfinite first).
__device__ __forceinline__ int hs_quantize_finite(float x, const HsQuantParams& p,
                                                  unsigned long long index, bool* clip) {
  float v = __fmul_rn(x, p.invScale);
  float r = p.stochastic ? floorf(__fadd_rn(v, hs_uniform(p.seed, index))) : rintf(v);
  float lo = (float)(p.qmin - p.zeroPoint);
  float hi = (float)(p.qmax - p.zeroPoint);
  if (r < lo) { *clip = true; return p.qmin; }
  if (r > hi) { *clip = true; return p.qmax; }
  return (int)r + p.zeroPoint;
}

__device__ __forceinline__ int hs_quantize_nonfinite(float x, const HsQuantParams& p) {
  if (x != x) return p.zeroPoint;
  return x > 0.f ? p.qmax : p.qmin;
}

// ---------------------------------------------------------------------------------------------
// Quantization parameters derived from a range [lo, hi] (QuantRef.params), used on the device by
// the dynamic path, which reads the range that minmax_reduce just wrote:
//   asymmetric: lo' = min(lo, 0), hi' = max(hi, 0); scale = (hi' - lo') / (2^bits - 1);
//               qmin = -2^(bits-1), qmax = 2^(bits-1) - 1;
//               zeroPoint = clamp(qmin - nearest-even(lo' / scale), qmin, qmax)
//   symmetric:  scale = max(|lo|, |hi|) / (2^(bits-1) - 1); qmax = 2^(bits-1) - 1; qmin = -qmax;
//               zeroPoint = 0
//   a zero, negative or non-finite scale (empty or all-zero range) becomes 1.
//   invScale = 1 / scale (__fdiv_rn).
// lo > hi (no finite value seen: the identity +Inf/-Inf) is treated as the range [0, 0].
__device__ __forceinline__ void hs_derive_params(float lo, float hi, int bits, int symmetric,
                                                 HsQuantParams* p, float* scaleOut) {
  if (!(lo <= hi)) { lo = 0.f; hi = 0.f; }
  int half = 1 << (bits - 1);
  float scale;
  if (symmetric) {
    float amax = fmaxf(fabsf(lo), fabsf(hi));
    scale = __fdiv_rn(amax, (float)(half - 1));
    p->qmax = half - 1;
    p->qmin = -(half - 1);
  } else {
    lo = fminf(lo, 0.f);
    hi = fmaxf(hi, 0.f);
    scale = __fdiv_rn(__fadd_rn(hi, -lo), (float)((1 << bits) - 1));
    p->qmax = half - 1;
    p->qmin = -half;
  }
  if (!(scale > 0.f) || isinf(scale)) scale = 1.f;
  p->zeroPoint = 0;
  if (!symmetric) {
    float z = (float)p->qmin - rintf(__fdiv_rn(lo, scale));
    z = fminf(fmaxf(z, (float)p->qmin), (float)p->qmax);
    p->zeroPoint = (int)z;
  }
  p->invScale = __fdiv_rn(1.f, scale);
  *scaleOut = scale;
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

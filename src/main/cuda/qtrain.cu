// qtrain.cu: fully quantized training on the device. The kernel that produces a tensor a
// quantized layer consumes writes it as int8 codes with the range its estimator fixed before the
// step and records the statistics (min, max, clipped, non-finite) in the same pass; integer
// layers consume the codes (INT8 operands, INT32 accumulation).
//   weights:   quantize_channels (per-channel codes with parameters the host derived from the
//              statistics the optimizer recorded), quantize_weights_t (a dense layer's forward
//              codes and its input gradient's per-tensor codes, transposed, in one pass)
//   producers: act_quant_fwd, bn_act_quant_fwd, maxpool_quant_fwd, gap_quant_fwd, add_act_quant_fwd
//              (forward); softmax_bwd_quant, act_bwd_quant, bn_act_bwd_quant (backward)
//   convolution layout: im2col_s8_t (pixel-major int8 columns), col2im_t (their gradient, fp32),
//              nchw_to_nhwc_s8; depthwise: dwconv_s8_fwd, dwconv_s8_bwd_input, dwconv_s8_bwd_weight
//   helpers:   bias_grad_s8, apply_mask (the STE mask: bits and their summary)
// Quantized outputs follow HS_QOUT_PARAMS (hs_common.cuh): every code is hs_level of the value
// (bit-exact with io.hindsight.quant.math.FakeQuant), the element index of stochastic rounding is
// the flat index of the output tensor. References (bit-exact): io.hindsight.device.sim.QTrainRef.
#include "hs_common.cuh"

// Per-channel quantization of x (channels contiguous blocks) into int8 codes with channel c's
// parameters scale[c], levels[3c..3c+2] = (zeroPoint, lo, hi); statistics per channel into
// stats[c] (nullable). grid channels, block 256.
extern "C" __global__ void quantize_channels(const float* __restrict__ x, signed char* __restrict__ q,
                                             long long n, int channels, const float* __restrict__ scale,
                                             const int* __restrict__ levels, int stochastic,
                                             unsigned long long key, HsStats* stats) {
  int c = blockIdx.x;
  long long inner = n / channels;
  HsQOut o = hs_qout(q, nullptr, scale[c], levels[3 * c], levels[3 * c + 1], levels[3 * c + 2], stochastic,
                     key, stats == nullptr ? nullptr : stats + c);
  for (long long i = threadIdx.x; i < inner; i += blockDim.x) {
    long long idx = (long long)c * inner + i;
    hs_qout_put(o, idx, x[idx]);
  }
  hs_qout_commit(o);
}

// A dense layer's weights x (out, inner) quantized in one pass for both products: the forward
// codes q (out, inner) and the input gradient's per-tensor codes transposed, qT (inner, out)
// (the input gradient sums over the output channels, so its weights need one scale).
//   channels = out (per-channel weights): row o as quantize_channels writes it (scale[o],
//     levels[3o..3o+2] = (zeroPoint, lo, hi), the rounding stochastic / key, statistics into
//     stats[o]); qT with the per-tensor parameters (tScale, tZeroPoint, tLo, tHi), nearest
//     rounding, no statistics (as quantize_static_stats writes them).
//   channels = 1 (per-tensor weights): q with the per-tensor parameters and the rounding, as
//     quantize_static_stats writes it, statistics into stats[0] (scale, levels unused: nullable);
//     qT[i][o] = q[o][i], the same code (a stochastic draw is made once).
// The stochastic element index is o * inner + i, the forward tensor's flat index. stats nullable.
// The transposed writes are strided (weights are small: bytes, not transactions, count).
// grid out, block 256.
extern "C" __global__ void quantize_weights_t(const float* __restrict__ x, signed char* __restrict__ q,
                                              signed char* __restrict__ qT, int out, int inner, int channels,
                                              const float* __restrict__ scale, const int* __restrict__ levels,
                                              int stochastic, unsigned long long key, HsStats* stats,
                                              float tScale, int tZeroPoint, int tLo, int tHi) {
  int o = blockIdx.x;
  bool perChannel = channels > 1;
  HsQuantParams t;
  t.scale = tScale;
  t.zeroPoint = tZeroPoint;
  t.lo = tLo;
  t.hi = tHi;
  t.stochastic = 0;
  t.key = 0ULL;
  HsStats* rowStats = stats == nullptr ? nullptr : stats + (perChannel ? o : 0);
  HsQOut f = perChannel ? hs_qout(q, nullptr, scale[o], levels[3 * o], levels[3 * o + 1], levels[3 * o + 2],
                                  stochastic, key, rowStats)
                        : hs_qout(q, nullptr, tScale, tZeroPoint, tLo, tHi, stochastic, key, rowStats);
  for (int i = threadIdx.x; i < inner; i += blockDim.x) {
    long long idx = (long long)o * inner + i;
    float v = x[idx];
    signed char code = hs_qout_put(f, idx, v);
    qT[(long long)i * out + o] = perChannel ? (signed char)hs_quantize(v, t, (unsigned long long)idx) : code;
  }
  hs_qout_commit(f);
}

// Activation (ReLU: upper +Inf, ReLU6: 6; act 0: none) of x, written as fp32 y (nullable) and/or
// quantized. n elements; grid-stride.
extern "C" __global__ void act_quant_fwd(const float* __restrict__ x, float* __restrict__ y, long long n,
                                         int act, float upper, HS_QOUT_PARAMS) {
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float v = x[i];
    if (act) v = v > 0.f ? (v < upper ? v : upper) : (v != v ? v : 0.f);
    if (y != nullptr) y[i] = v;
    hs_qout_put(o, i, v);
  }
  hs_qout_commit(o);
}

// Batch norm forward (as batchnorm_fwd, with the statistics of bn_sums) followed by an optional
// activation (act 1: clamp to [0, upper], NaN passes), written as fp32 y (nullable) and/or
// quantized; actMask (nullable) gets 1 where the activation passes the gradient
// (0 < pre-activation < upper). grid (C, S), block 256.
extern "C" __global__ void bn_act_quant_fwd(const float* __restrict__ x, int N, int C, int HW,
                                            const double* __restrict__ sums, const double* __restrict__ squares,
                                            const float* __restrict__ gamma, const float* __restrict__ beta,
                                            float* runningMean, float* runningVar, float momentum, float eps,
                                            int training, int act, float upper, float* __restrict__ xhat,
                                            float* __restrict__ y, unsigned char* __restrict__ actMask,
                                            float* __restrict__ invStd, HS_QOUT_PARAMS) {
  int c = blockIdx.x, segments = gridDim.y;
  long long count = (long long)N * HW;
  bool first = blockIdx.y == 0 && threadIdx.x == 0;
  float mean, var;
  if (training) {
    double m = hs_segment_total(sums + (long long)c * segments, segments) / (double)count;
    double sq = hs_segment_total(squares + (long long)c * segments, segments);
    mean = (float)m;
    var = (float)(sq / (double)count);
    float unbiased = count > 1 ? (float)(sq / (double)(count - 1)) : var;
    if (first) {
      float keep = __fsub_rn(1.f, momentum);
      runningMean[c] = __fadd_rn(__fmul_rn(keep, runningMean[c]), __fmul_rn(momentum, mean));
      runningVar[c] = __fadd_rn(__fmul_rn(keep, runningVar[c]), __fmul_rn(momentum, unbiased));
    }
  } else {
    mean = runningMean[c];
    var = runningVar[c];
  }
  float is = (float)__ddiv_rn(1.0, __dsqrt_rn((double)__fadd_rn(var, eps)));
  if (first) invStd[c] = is;
  float g = gamma[c], b = beta[c];
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  long long stride = (long long)segments * blockDim.x;
  for (long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x; j < count; j += stride) {
    long long idx = hs_bn_index(j, c, C, HW);
    float v = __fmul_rn(__fsub_rn(x[idx], mean), is);
    if (xhat != nullptr) xhat[idx] = v;
    float pre = __fadd_rn(__fmul_rn(g, v), b);
    float out = pre;
    if (act) {
      out = pre > 0.f ? (pre < upper ? pre : upper) : (pre != pre ? pre : 0.f);
      if (actMask != nullptr) actMask[idx] = (pre > 0.f && pre < upper) ? 1 : 0;
    }
    if (y != nullptr) y[idx] = out;
    hs_qout_put(o, idx, out);
  }
  hs_qout_commit(o);
}

// Max pooling forward (as pool2d_fwd, kind 0) written as fp32 y (nullable) and/or quantized, with
// the argmax. grid-stride over planes * outH * outW.
extern "C" __global__ void maxpool_quant_fwd(const float* __restrict__ x, float* __restrict__ y,
                                             int* __restrict__ argmax, int planes, int H, int W, int k,
                                             int stride, int pad, int outH, int outW, HS_QOUT_PARAMS) {
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  long long total = (long long)planes * outH * outW;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int j = (int)(idx % outW);
    int i = (int)((idx / outW) % outH);
    long long plane = idx / ((long long)outW * outH);
    long long xb = plane * H * W;
    float best = -INFINITY;
    long long bestIdx = -1;
    for (int ki = 0; ki < k; ki++) {
      int ih = i * stride - pad + ki;
      if (ih < 0 || ih >= H) continue;
      for (int kj = 0; kj < k; kj++) {
        int iw = j * stride - pad + kj;
        if (iw < 0 || iw >= W) continue;
        long long xi = xb + (long long)ih * W + iw;
        float v = x[xi];
        if (v > best || bestIdx < 0 || v != v) {
          best = v;
          bestIdx = xi;
        }
      }
    }
    argmax[idx] = (int)bestIdx;
    if (y != nullptr) y[idx] = best;
    hs_qout_put(o, idx, best);
  }
  hs_qout_commit(o);
}

// Global average pooling (as global_avg_pool_fwd) written as fp32 y (nullable) and/or quantized.
extern "C" __global__ void gap_quant_fwd(const float* __restrict__ x, float* __restrict__ y, int planes,
                                         int hw, HS_QOUT_PARAMS) {
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < planes; p += gridDim.x * blockDim.x) {
    const float* xp = x + (long long)p * hw;
    float sum = 0.f;
    for (int i = 0; i < hw; i++) sum = __fadd_rn(sum, xp[i]);
    float v = __fdiv_rn(sum, (float)hw);
    if (y != nullptr) y[p] = v;
    hs_qout_put(o, p, v);
  }
  hs_qout_commit(o);
}

// Residual sum a + b with an optional activation after it (act 1: clamp to [0, upper]), written as
// fp32 y (nullable) and/or quantized for one or two quantizers (q2: the shortcut convolution's
// quantizer of the next block, nullable); actMask (nullable) as in bn_act_quant_fwd. grid-stride.
extern "C" __global__ void add_act_quant_fwd(const float* __restrict__ a, const float* __restrict__ b,
                                             float* __restrict__ y, unsigned char* __restrict__ actMask,
                                             long long n, int act, float upper, HS_QOUT_PARAMS,
                                             HS_QOUT2_PARAMS) {
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  HsQOut o2 = hs_qout(HS_QOUT2_ARGS);
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float pre = __fadd_rn(a[i], b[i]);
    float v = pre;
    if (act) {
      v = pre > 0.f ? (pre < upper ? pre : upper) : (pre != pre ? pre : 0.f);
      if (actMask != nullptr) actMask[i] = (pre > 0.f && pre < upper) ? 1 : 0;
    }
    if (y != nullptr) y[i] = v;
    hs_qout_put(o, i, v);
    hs_qout_put(o2, i, v);
  }
  hs_qout_commit(o);
  __syncthreads(); // the two commits share the block's reduction buffers
  hs_qout_commit(o2);
}

// The loss gradient dlogits = (probs - onehot) / N (as softmax_xent_bwd), written as fp32 dz
// (nullable) and/or quantized. grid-stride over N * K.
extern "C" __global__ void softmax_bwd_quant(const float* __restrict__ probs, const int* __restrict__ labels,
                                             int N, int K, float* __restrict__ dz, HS_QOUT_PARAMS) {
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  long long total = (long long)N * K;
  float inv = 1.f / (float)N;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int i = (int)(idx / K), j = (int)(idx % K);
    float p = probs[idx];
    if (j == labels[i]) p = __fsub_rn(p, 1.f);
    float v = __fmul_rn(p, inv);
    if (dz != nullptr) dz[idx] = v;
    hs_qout_put(o, idx, v);
  }
  hs_qout_commit(o);
}

// Activation backward (as relu_bwd: dy where 0 < x < upper, else 0; with mask (nullable) instead of
// x: dy where mask != 0), written as fp32 dx (nullable) and/or quantized. grid-stride.
extern "C" __global__ void act_bwd_quant(const float* __restrict__ x, const unsigned char* __restrict__ mask,
                                         const float* __restrict__ dy, float* __restrict__ dx, long long n,
                                         float upper, HS_QOUT_PARAMS) {
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    bool pass = mask != nullptr ? mask[i] != 0 : (x[i] > 0.f && x[i] < upper);
    float v = pass ? dy[i] : 0.f;
    if (dx != nullptr) dx[i] = v;
    hs_qout_put(o, i, v);
  }
  hs_qout_commit(o);
}

// Batch norm backward (as batchnorm_bwd, with the sums of bn_bwd_sums over the same mask) of dy
// masked by actMask (nullable: the activation that followed the batch norm in forward), written as
// fp32 dx (nullable) and/or quantized. grid (C, S), block 256.
extern "C" __global__ void bn_act_bwd_quant(const float* __restrict__ dy, const unsigned char* __restrict__ actMask,
                                            const float* __restrict__ xhat, int N, int C, int HW,
                                            const double* __restrict__ sumDy, const double* __restrict__ sumDyXhat,
                                            const float* __restrict__ gamma, const float* __restrict__ invStd,
                                            int training, float* __restrict__ dx, float* __restrict__ dgamma,
                                            float* __restrict__ dbeta, HS_QOUT_PARAMS) {
  int c = blockIdx.x, segments = gridDim.y;
  long long count = (long long)N * HW;
  double sdy = hs_segment_total(sumDy + (long long)c * segments, segments);
  double sdyx = hs_segment_total(sumDyXhat + (long long)c * segments, segments);
  if (blockIdx.y == 0 && threadIdx.x == 0) {
    dbeta[c] = (float)sdy;
    dgamma[c] = (float)sdyx;
  }
  float scale = __fmul_rn(gamma[c], invStd[c]);
  float meanDy = (float)(sdy / (double)count);
  float meanDyXh = (float)(sdyx / (double)count);
  HsQOut o = hs_qout(HS_QOUT_ARGS);
  long long stride = (long long)segments * blockDim.x;
  for (long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x; j < count; j += stride) {
    long long idx = hs_bn_index(j, c, C, HW);
    float d = (actMask == nullptr || actMask[idx] != 0) ? dy[idx] : 0.f;
    float v = training ? __fmul_rn(scale, __fsub_rn(__fsub_rn(d, meanDy), __fmul_rn(xhat[idx], meanDyXh)))
                       : __fmul_rn(scale, d);
    if (dx != nullptr) dx[idx] = v;
    hs_qout_put(o, idx, v);
  }
  hs_qout_commit(o);
}

// Index arithmetic of the three layout kernels below, in the type I: 32-bit unsigned where every
// index of the launch fits, 64-bit otherwise. A 64-bit division is emulated in dozens of
// instructions, and these kernels do several per element: in 64 bits they were bound by it.
// BEGIN hs_layout_bodies (extracted by the host check of scripts/check-layout-kernels.sh)
template <typename I>
__device__ __forceinline__ void hs_im2col_s8_t(const signed char* __restrict__ x, I C, I H, I W, I kH, I kW,
                                               int stride, int pad, I outW, I outHW, I K, I total,
                                               signed char padCode, signed char* __restrict__ colT) {
  for (I idx = (I)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += (I)gridDim.x * blockDim.x) {
    I row = idx % K;
    I q = idx / K;
    I pix = q % outHW;
    I s = q / outHW;
    int kw = (int)(row % kW);
    I rk = row / kW;
    int kh = (int)(rk % kH);
    I c = rk / kH;
    int oh = (int)(pix / outW), ow = (int)(pix % outW);
    int ih = oh * stride - pad + kh, iw = ow * stride - pad + kw;
    signed char v = padCode;
    if (ih >= 0 && ih < (int)H && iw >= 0 && iw < (int)W) v = x[((s * C + c) * H + (I)ih) * W + (I)iw];
    colT[idx] = v;
  }
}

template <typename I>
__device__ __forceinline__ void hs_col2im_t(const float* __restrict__ dcolT, I C, I H, I W, int kH, int kW,
                                            int stride, int pad, int outH, int outW, I outHW, I K, I total,
                                            float* __restrict__ dx) {
  for (I idx = (I)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += (I)gridDim.x * blockDim.x) {
    int iw = (int)(idx % W);
    I q = idx / W;
    int ih = (int)(q % H);
    I q2 = q / H;
    I c = q2 % C;
    I s = q2 / C;
    float sum = 0.f;
    for (int kh = 0; kh < kH; kh++) {
      int ohs = ih + pad - kh;
      if (ohs < 0 || ohs % stride != 0) continue;
      int oh = ohs / stride;
      if (oh >= outH) continue;
      for (int kw = 0; kw < kW; kw++) {
        int ows = iw + pad - kw;
        if (ows < 0 || ows % stride != 0) continue;
        int ow = ows / stride;
        if (ow >= outW) continue;
        I row = (c * (I)kH + (I)kh) * (I)kW + (I)kw;
        sum = __fadd_rn(sum, dcolT[(s * outHW + (I)oh * (I)outW + (I)ow) * K + row]);
      }
    }
    dx[idx] = sum;
  }
}

template <typename I>
__device__ __forceinline__ void hs_nchw_to_nhwc_s8(const signed char* __restrict__ in, I C, I HW, I total,
                                                   signed char* __restrict__ out) {
  for (I idx = (I)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += (I)gridDim.x * blockDim.x) {
    I c = idx % C;
    I q = idx / C;
    I p = q % HW;
    I s = q / HW;
    out[idx] = in[(s * C + c) * HW + p];
  }
}
// END hs_layout_bodies

// Whether both extents of a launch fit the 32-bit index path.
__device__ __forceinline__ bool hs_fits_32(long long a, long long b) { return a < 2147483648LL && b < 2147483648LL; }

// Pixel-major int8 columns of x (N, C, H, W) int8 codes: colT[(s * outH * outW + pixel) * K + row],
// K = C * kH * kW, row = (c * kH + kh) * kW + kw; positions in the zero padding get padCode (the
// zero point: the value 0). grid-stride.
extern "C" __global__ void im2col_s8_t(const signed char* __restrict__ x, int N, int C, int H, int W, int kH,
                                       int kW, int stride, int pad, int outH, int outW, int padCode,
                                       signed char* __restrict__ colT) {
  long long outHW = (long long)outH * outW;
  long long K = (long long)C * kH * kW;
  long long total = (long long)N * outHW * K;
  long long inputs = (long long)N * C * H * W;
  if (hs_fits_32(total, inputs)) {
    hs_im2col_s8_t<unsigned int>(x, C, H, W, kH, kW, stride, pad, outW, (unsigned int)outHW, (unsigned int)K,
                                 (unsigned int)total, (signed char)padCode, colT);
  } else {
    hs_im2col_s8_t<long long>(x, C, H, W, kH, kW, stride, pad, outW, outHW, K, total, (signed char)padCode, colT);
  }
}

// The input gradient from pixel-major column gradients dcolT (N * outH * outW, K) fp32: a gather
// per input element over its (kh, kw) in increasing order (as col2im_batched). Overwrites dx (N, C, H, W).
extern "C" __global__ void col2im_t(const float* __restrict__ dcolT, int N, int C, int H, int W, int kH, int kW,
                                    int stride, int pad, int outH, int outW, float* __restrict__ dx) {
  long long outHW = (long long)outH * outW;
  long long K = (long long)C * kH * kW;
  long long total = (long long)N * C * H * W;
  long long columns = (long long)N * outHW * K;
  if (hs_fits_32(total, columns)) {
    hs_col2im_t<unsigned int>(dcolT, C, H, W, kH, kW, stride, pad, outH, outW, (unsigned int)outHW,
                              (unsigned int)K, (unsigned int)total, dx);
  } else {
    hs_col2im_t<long long>(dcolT, C, H, W, kH, kW, stride, pad, outH, outW, outHW, K, total, dx);
  }
}

// out (N, HW, C) = in (N, C, HW), int8. grid-stride.
extern "C" __global__ void nchw_to_nhwc_s8(const signed char* __restrict__ in, int N, int C, long long HW,
                                           signed char* __restrict__ out) {
  long long total = (long long)N * C * HW;
  if (hs_fits_32(total, total)) {
    hs_nchw_to_nhwc_s8<unsigned int>(in, C, (unsigned int)HW, (unsigned int)total, out);
  } else {
    hs_nchw_to_nhwc_s8<long long>(in, C, HW, total, out);
  }
}

// db[c] = scale * sum over (s, i) of (dy[s, c, i] - zeroPoint) for int8 codes dy (N, C, HW): the
// integer sum is exact (64 bits), then one conversion and one multiplication. grid C, block 256.
extern "C" __global__ void bias_grad_s8(const signed char* __restrict__ dy, int N, int C, long long HW,
                                        int zeroPoint, float scale, float* __restrict__ db) {
  __shared__ long long partial[32];
  int c = blockIdx.x;
  long long count = (long long)N * HW;
  long long s = 0;
  for (long long j = threadIdx.x; j < count; j += blockDim.x) {
    s += (long long)dy[((j / HW) * C + c) * HW + j % HW] - zeroPoint;
  }
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    long long total = 0;
    for (int w = 0; w < (int)(blockDim.x >> 5); w++) total += partial[w];
    db[c] = __fmul_rn((float)total, scale);
  }
}

// x[i] = 0 where bit i of the STE mask is set (the straight-through estimator of a clipping
// quantizer: the value was clipped or not finite; the mask is one bit per element with a summary
// bit per word, hs_mask_stop), then the words and the summary are cleared for the next step. One
// thread per summary word (1024 elements): the summary is read once, and only the words it marks;
// x and the mask are written only at the stopped elements and their words. grid-stride.
extern "C" __global__ void apply_mask(float* __restrict__ x, unsigned int* __restrict__ mask,
                                      unsigned int* __restrict__ maskSummary, long long n) {
  long long words = (n + 31) >> 5;
  long long summaryWords = (words + 31) >> 5;
  for (long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x; s < summaryWords;
       s += (long long)gridDim.x * blockDim.x) {
    unsigned int marked = maskSummary[s];
    if (marked == 0u) continue;
    for (unsigned int m = marked; m != 0u; m &= m - 1u) {
      long long j = (s << 5) + (__ffs((int)m) - 1);
      unsigned int w = mask[j];
      for (unsigned int b = w; b != 0u; b &= b - 1u) x[(j << 5) + (__ffs((int)b) - 1)] = 0.f;
      mask[j] = 0u;
    }
    maskSummary[s] = 0u;
  }
}

// Depthwise convolution (groups = inC, outC = inC * mult) with int8 codes: x (N, inC, H, W) with
// per-tensor scaleX / zeroPointX, w (outC, kH, kW) with per-channel scaleW[oc], symmetric. One
// thread per output: acc = sum (x - zeroPointX) * w over the window (int32; the padding is 0),
//   y = (float(acc) * scaleX) * scaleW[oc] (+ bias[oc]). grid-stride.
extern "C" __global__ void dwconv_s8_fwd(const signed char* __restrict__ x, const signed char* __restrict__ w,
                                         const float* __restrict__ scaleW, const float* __restrict__ bias,
                                         float* __restrict__ y, int N, int inC, int H, int W, int mult, int kH,
                                         int kW, int stride, int pad, int outH, int outW, float scaleX,
                                         int zeroPointX) {
  int outC = inC * mult;
  long long total = (long long)N * outC * outH * outW;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int ow = (int)(idx % outW);
    int oh = (int)((idx / outW) % outH);
    int oc = (int)((idx / ((long long)outW * outH)) % outC);
    long long s = idx / ((long long)outW * outH * outC);
    const signed char* xc = x + (s * inC + oc / mult) * (long long)H * W;
    const signed char* wc = w + (long long)oc * kH * kW;
    int acc = 0;
    for (int kh = 0; kh < kH; kh++) {
      int ih = oh * stride - pad + kh;
      if (ih < 0 || ih >= H) continue;
      for (int kw = 0; kw < kW; kw++) {
        int iw = ow * stride - pad + kw;
        if (iw >= 0 && iw < W) acc += ((int)xc[ih * W + iw] - zeroPointX) * (int)wc[kh * kW + kw];
      }
    }
    float v = __fmul_rn(__fmul_rn((float)acc, scaleX), scaleW[oc]);
    y[idx] = bias != nullptr ? __fadd_rn(v, bias[oc]) : v;
  }
}

// Depthwise input gradient with int8 codes dy (N, outC, outH, outW) (scaleDy, zeroPointDy) and w
// (scaleW[oc]): a gather per input element, per output channel m of its group an int32 sum, then
//   dx = sum over m of (float(acc_m) * scaleDy) * scaleW[oc]   (in m order). grid-stride.
extern "C" __global__ void dwconv_s8_bwd_input(const signed char* __restrict__ dy, const signed char* __restrict__ w,
                                               const float* __restrict__ scaleW, float* __restrict__ dx, int N,
                                               int inC, int H, int W, int mult, int kH, int kW, int stride, int pad,
                                               int outH, int outW, float scaleDy, int zeroPointDy) {
  long long total = (long long)N * inC * H * W;
  int outC = inC * mult;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int iw = (int)(idx % W);
    int ih = (int)((idx / W) % H);
    int ic = (int)((idx / ((long long)W * H)) % inC);
    long long s = idx / ((long long)W * H * inC);
    float sum = 0.f;
    for (int m = 0; m < mult; m++) {
      int oc = ic * mult + m;
      const signed char* dyc = dy + (s * outC + oc) * (long long)outH * outW;
      const signed char* wc = w + (long long)oc * kH * kW;
      int acc = 0;
      for (int kh = 0; kh < kH; kh++) {
        int ohs = ih + pad - kh;
        if (ohs < 0 || ohs % stride != 0) continue;
        int oh = ohs / stride;
        if (oh >= outH) continue;
        for (int kw = 0; kw < kW; kw++) {
          int ows = iw + pad - kw;
          if (ows < 0 || ows % stride != 0) continue;
          int ow = ows / stride;
          if (ow >= outW) continue;
          acc += ((int)dyc[oh * outW + ow] - zeroPointDy) * (int)wc[kh * kW + kw];
        }
      }
      sum = __fadd_rn(sum, __fmul_rn(__fmul_rn((float)acc, scaleDy), scaleW[oc]));
    }
    dx[idx] = sum;
  }
}

// Depthwise weight gradient with int8 codes x (scaleX, zeroPointX) and dy (scaleDy, zeroPointDy):
// one block per weight (oc, kh, kw); a 64-bit integer sum of (dy - zpDy) * (x - zpX) over samples
// and output pixels (exact, any order), then dw = (float(sum) * scaleDy) * scaleX. grid outC*kH*kW, block 256.
extern "C" __global__ void dwconv_s8_bwd_weight(const signed char* __restrict__ x, const signed char* __restrict__ dy,
                                                float* __restrict__ dw, int N, int inC, int H, int W, int mult,
                                                int kH, int kW, int stride, int pad, int outH, int outW,
                                                float scaleX, int zeroPointX, float scaleDy, int zeroPointDy) {
  __shared__ long long partial[32];
  int e = blockIdx.x;
  int kw = e % kW, kh = (e / kW) % kH, oc = e / (kW * kH);
  int outC = inC * mult;
  long long outHW = (long long)outH * outW;
  long long count = (long long)N * outHW;
  long long sum = 0;
  for (long long j = threadIdx.x; j < count; j += blockDim.x) {
    long long s = j / outHW;
    int pix = (int)(j % outHW);
    int oh = pix / outW, ow = pix % outW;
    int ih = oh * stride - pad + kh, iw = ow * stride - pad + kw;
    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
    sum += (long long)((int)dy[(s * outC + oc) * outHW + pix] - zeroPointDy)
        * ((int)x[((s * inC + oc / mult) * H + ih) * (long long)W + iw] - zeroPointX);
  }
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = sum;
  __syncthreads();
  if (threadIdx.x == 0) {
    long long total = 0;
    for (int w = 0; w < (int)(blockDim.x >> 5); w++) total += partial[w];
    dw[e] = __fmul_rn(__fmul_rn((float)total, scaleDy), scaleX);
  }
}

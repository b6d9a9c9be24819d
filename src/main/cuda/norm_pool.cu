// norm_pool.cu: batch normalization and 2-D pooling, paired forward/backward kernels (NCHW fp32).
// References (bit-exact up to the double-precision sqrt, which both sides round correctly):
// io.hindsight.device.sim.NormPoolRef; the CPU layers io.hindsight.nn.BatchNorm2d and Pool2d agree
// within float tolerance (they sum in another order).
#include "hs_common.cuh"

// Batch norm forward over x (N, C, HW), PyTorch semantics:
//   training: mean, biased var (two passes, double); running = (1 - momentum) * running + momentum * stat
//             (unbiased var for the running variance); inference: running statistics.
//   invStd[c] = 1 / sqrt(var + eps); xhat = (x - mean) * invStd; y = gamma * xhat + beta.
// Training launches bn_sums twice (sums, then squares about the mean), then batchnorm_fwd; all three
// with grid (C, S), block 256 (the order: hs_common.cuh).

// Partial sums of channel c's values (centre == nullptr) or of their squared deviations from the
// mean total(centre) / count. grid (C, S), block 256; partial (C, S) doubles.
extern "C" __global__ void bn_sums(const float* __restrict__ x, int N, int C, int HW,
                                   const double* __restrict__ centre, double* __restrict__ partial) {
  int c = blockIdx.x, segments = gridDim.y;
  long long count = (long long)N * HW;
  long long stride = (long long)segments * blockDim.x;
  double m = centre == nullptr ? 0.0 : hs_segment_total(centre + (long long)c * segments, segments) / (double)count;
  double acc = 0.0;
  for (long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x; j < count; j += stride) {
    double v = (double)x[hs_bn_index(j, c, C, HW)];
    if (centre != nullptr) {
      double d = __dsub_rn(v, m);
      v = __dmul_rn(d, d);
    }
    acc = __dadd_rn(acc, v);
  }
  acc = hs_block_sum_d(acc);
  if (threadIdx.x == 0) partial[(long long)c * segments + blockIdx.y] = acc;
}

// Normalization with the statistics of bn_sums (sums, squares: (C, S) partials; unread in
// inference). Block (c, 0) updates the running statistics and invStd. grid (C, S), block 256.
extern "C" __global__ void batchnorm_fwd(const float* __restrict__ x, int N, int C, int HW,
                                         const double* __restrict__ sums, const double* __restrict__ squares,
                                         const float* __restrict__ gamma,
                                         const float* __restrict__ beta, float* runningMean,
                                         float* runningVar, float momentum, float eps, int training,
                                         float* __restrict__ xhat, float* __restrict__ y,
                                         float* __restrict__ invStd) {
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
  long long stride = (long long)segments * blockDim.x;
  for (long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x; j < count; j += stride) {
    long long idx = hs_bn_index(j, c, C, HW);
    float v = __fmul_rn(__fsub_rn(x[idx], mean), is);
    xhat[idx] = v;
    y[idx] = __fadd_rn(__fmul_rn(g, v), b);
  }
}

// Partial sums for batch norm backward: sum dy and sum dy * xhat (double), dy masked by actMask
// (nullable: the activation that followed the batch norm in forward). grid (C, S), block 256.
extern "C" __global__ void bn_bwd_sums(const float* __restrict__ dy, const unsigned char* __restrict__ actMask,
                                       const float* __restrict__ xhat, int N, int C, int HW,
                                       double* __restrict__ partialDy, double* __restrict__ partialDyXhat) {
  int c = blockIdx.x, segments = gridDim.y;
  long long count = (long long)N * HW;
  long long stride = (long long)segments * blockDim.x;
  double sdy = 0.0, sdyx = 0.0;
  for (long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x; j < count; j += stride) {
    long long idx = hs_bn_index(j, c, C, HW);
    float d = (actMask == nullptr || actMask[idx] != 0) ? dy[idx] : 0.f;
    sdy = __dadd_rn(sdy, (double)d);
    sdyx = __dadd_rn(sdyx, __dmul_rn((double)d, (double)xhat[idx]));
  }
  sdy = hs_block_sum_d(sdy);
  sdyx = hs_block_sum_d(sdyx);
  if (threadIdx.x == 0) {
    partialDy[(long long)c * segments + blockIdx.y] = sdy;
    partialDyXhat[(long long)c * segments + blockIdx.y] = sdyx;
  }
}

// Batch norm backward with the sums of bn_bwd_sums (dy already masked there; unmasked here):
//   dbeta = sum dy, dgamma = sum dy * xhat (block (c, 0) writes them);
//   training:  dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat));
//   inference: dx = gamma * invStd * dy.
// grid (C, S), block 256.
extern "C" __global__ void batchnorm_bwd(const float* __restrict__ dy,
                                         const float* __restrict__ xhat, int N, int C, int HW,
                                         const double* __restrict__ sumDy, const double* __restrict__ sumDyXhat,
                                         const float* __restrict__ gamma,
                                         const float* __restrict__ invStd, int training,
                                         float* __restrict__ dx, float* __restrict__ dgamma,
                                         float* __restrict__ dbeta) {
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
  long long stride = (long long)segments * blockDim.x;
  for (long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x; j < count; j += stride) {
    long long idx = hs_bn_index(j, c, C, HW);
    dx[idx] = training ? __fmul_rn(scale, __fsub_rn(__fsub_rn(dy[idx], meanDy), __fmul_rn(xhat[idx], meanDyXh)))
                       : __fmul_rn(scale, dy[idx]);
  }
}

// Max pooling forward, one thread per output of x (planes = N*C, H, W) -> y (planes, outH, outW);
// k x k windows, stride, zero padding never selected; first maximum wins, NaN propagates;
// argmax = flat input index. kind: 0 max, 1 average (count_include_pad: divides by k*k, no argmax).
extern "C" __global__ void pool2d_fwd(const float* __restrict__ x, float* __restrict__ y,
                                      int* __restrict__ argmax, int planes, int H, int W, int k,
                                      int stride, int pad, int outH, int outW, int kind) {
  long long total = (long long)planes * outH * outW;
  float inv = 1.f / (float)(k * k);
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int j = (int)(idx % outW);
    int i = (int)((idx / outW) % outH);
    long long plane = idx / ((long long)outW * outH);
    long long xb = plane * H * W;
    float best = -INFINITY, sum = 0.f;
    long long bestIdx = -1;
    for (int ki = 0; ki < k; ki++) {
      int ih = i * stride - pad + ki;
      if (ih < 0 || ih >= H) continue;
      for (int kj = 0; kj < k; kj++) {
        int iw = j * stride - pad + kj;
        if (iw < 0 || iw >= W) continue;
        long long xi = xb + (long long)ih * W + iw;
        float v = x[xi];
        sum = __fadd_rn(sum, v);
        if (v > best || bestIdx < 0 || v != v) {
          best = v;
          bestIdx = xi;
        }
      }
    }
    if (kind == 0) {
      y[idx] = best;
      argmax[idx] = (int)bestIdx;
    } else {
      y[idx] = __fmul_rn(sum, inv);
    }
  }
}

// Pooling backward as a gather (deterministic): one thread per input element, summing over the
// windows that contain it in increasing output order; max pooling adds dy where argmax == this
// element, average pooling adds dy / (k*k). Overwrites dx.
extern "C" __global__ void pool2d_bwd(const float* __restrict__ dy, const int* __restrict__ argmax,
                                      float* __restrict__ dx, int planes, int H, int W, int k,
                                      int stride, int pad, int outH, int outW, int kind) {
  long long total = (long long)planes * H * W;
  float inv = 1.f / (float)(k * k);
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int iw = (int)(idx % W);
    int ih = (int)((idx / W) % H);
    long long plane = idx / ((long long)W * H);
    long long yb = plane * outH * outW;
    // outputs i with i*stride - pad <= ih <= i*stride - pad + k - 1
    int iLo = max(0, (ih + pad - k + stride) / stride);
    int iHi = min(outH - 1, (ih + pad) / stride);
    int jLo = max(0, (iw + pad - k + stride) / stride);
    int jHi = min(outW - 1, (iw + pad) / stride);
    float sum = 0.f;
    for (int i = iLo; i <= iHi; i++) {
      for (int j = jLo; j <= jHi; j++) {
        long long o = yb + (long long)i * outW + j;
        if (kind == 0) {
          if (argmax[o] == (int)idx) sum = __fadd_rn(sum, dy[o]);
        } else {
          sum = __fadd_rn(sum, __fmul_rn(dy[o], inv));
        }
      }
    }
    dx[idx] = sum;
  }
}

// conv.cu: convolution helpers for the CUDA backend (NCHW, float32, dilation 1).
// Paired forward/backward kernels; references (bit-exact): io.hindsight.device.sim.ConvRef; the CPU
// backend's CpuConv agrees within float tolerance. Products are accumulated with explicit FMAs.
//
// Shapes: x (N, inC, H, W); one group's view starts at its first channel and each sample is
// xSampleStride floats after the previous one; col (N, C*kH*kW, outH*outW) per group.

// im2col over the batch, one thread per col element.
//   col[s, (c*kH + kh)*kW + kw, oh*outW + ow] = x[s, c, oh*stride - pad + kh, ow*stride - pad + kw] (0 outside)
extern "C" __global__ void im2col_batched(const float* __restrict__ x, int N, int C, int H, int W,
                                          long long xSampleStride, int kH, int kW, int stride,
                                          int pad, int outH, int outW, float* __restrict__ col) {
  long long outHW = (long long)outH * outW;
  long long colRows = (long long)C * kH * kW;
  long long total = (long long)N * colRows * outHW;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    long long pix = idx % outHW;
    long long row = (idx / outHW) % colRows;
    long long s = idx / (outHW * colRows);
    int kw = (int)(row % kW);
    int kh = (int)((row / kW) % kH);
    int c = (int)(row / ((long long)kH * kW));
    int oh = (int)(pix / outW), ow = (int)(pix % outW);
    int ih = oh * stride - pad + kh, iw = ow * stride - pad + kw;
    float v = 0.f;
    if (ih >= 0 && ih < H && iw >= 0 && iw < W) v = x[s * xSampleStride + ((long long)c * H + ih) * W + iw];
    col[idx] = v;
  }
}

// col2im over the batch as a gather (deterministic, no atomics): one thread per input element,
// summing its (kh, kw) contributions in increasing order and overwriting dx.
extern "C" __global__ void col2im_batched(const float* __restrict__ col, int N, int C, int H, int W,
                                          long long xSampleStride, int kH, int kW, int stride,
                                          int pad, int outH, int outW, float* __restrict__ dx) {
  long long outHW = (long long)outH * outW;
  long long colRows = (long long)C * kH * kW;
  long long total = (long long)N * C * H * W;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int iw = (int)(idx % W);
    int ih = (int)((idx / W) % H);
    int c = (int)((idx / ((long long)W * H)) % C);
    long long s = idx / ((long long)W * H * C);
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
        long long row = ((long long)c * kH + kh) * kW + kw;
        sum = __fadd_rn(sum, col[(s * colRows + row) * outHW + (long long)oh * outW + ow]);
      }
    }
    dx[s * xSampleStride + ((long long)c * H + ih) * W + iw] = sum;
  }
}

// y (N, C, HW) += bias (C).
extern "C" __global__ void add_bias_nchw(float* __restrict__ y, const float* __restrict__ bias,
                                         int N, int C, long long HW) {
  long long total = (long long)N * C * HW;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    y[idx] = __fadd_rn(y[idx], bias[(idx / HW) % C]);
  }
}

// Block-wide float sum; blockDim.x a multiple of 32. Fixed tree order: deterministic.
__device__ __forceinline__ float hs_block_sum(float v) {
  __shared__ float partial[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  float r = 0.f;
  if (warp == 0) {
    r = lane < (blockDim.x >> 5) ? partial[lane] : 0.f;
    for (int o = 16; o > 0; o >>= 1) r += __shfl_xor_sync(0xffffffffu, r, o);
  }
  __syncthreads();
  return r;  // valid in thread 0
}

// db[c] = sum over (s, i) of dy[s, c, i]; one block per channel. grid C, block 256.
extern "C" __global__ void bias_grad_nchw(const float* __restrict__ dy, int N, int C, long long HW,
                                          float* __restrict__ db) {
  int c = blockIdx.x;
  float sum = 0.f;
  long long count = (long long)N * HW;
  for (long long j = threadIdx.x; j < count; j += blockDim.x) {
    long long s = j / HW, i = j % HW;
    sum = __fadd_rn(sum, dy[(s * C + c) * HW + i]);
  }
  float total = hs_block_sum(sum);
  if (threadIdx.x == 0) db[c] = total;
}

// Depthwise (groups = inC, mult = outC / inC) forward, one thread per output:
//   y[s, oc, oh, ow] = sum_{kh,kw} w[oc, kh, kw] * x[s, oc / mult, ih, iw] (+ bias[oc])
extern "C" __global__ void depthwise_conv_fwd(const float* __restrict__ x,
                                              const float* __restrict__ w,
                                              const float* __restrict__ bias,
                                              float* __restrict__ y, int N, int inC, int H, int W,
                                              int mult, int kH, int kW, int stride, int pad,
                                              int outH, int outW) {
  int outC = inC * mult;
  long long total = (long long)N * outC * outH * outW;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int ow = (int)(idx % outW);
    int oh = (int)((idx / outW) % outH);
    int oc = (int)((idx / ((long long)outW * outH)) % outC);
    long long s = idx / ((long long)outW * outH * outC);
    const float* xc = x + (s * inC + oc / mult) * (long long)H * W;
    const float* wc = w + (long long)oc * kH * kW;
    float acc = 0.f;
    for (int kh = 0; kh < kH; kh++) {
      int ih = oh * stride - pad + kh;
      if (ih < 0 || ih >= H) continue;
      for (int kw = 0; kw < kW; kw++) {
        int iw = ow * stride - pad + kw;
        if (iw >= 0 && iw < W) acc = __fmaf_rn(wc[kh * kW + kw], xc[ih * W + iw], acc);
      }
    }
    y[idx] = bias != nullptr ? __fadd_rn(acc, bias[oc]) : acc;
  }
}

// Depthwise backward to the input, gather: one thread per input element (s, ic, ih, iw),
//   dx = sum over m < mult, kh, kw of dy[s, ic*mult + m, oh, ow] * w[ic*mult + m, kh, kw]
extern "C" __global__ void depthwise_conv_bwd_input(const float* __restrict__ dy,
                                                    const float* __restrict__ w,
                                                    float* __restrict__ dx, int N, int inC, int H,
                                                    int W, int mult, int kH, int kW, int stride,
                                                    int pad, int outH, int outW) {
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
      const float* dyc = dy + (s * outC + oc) * (long long)outH * outW;
      const float* wc = w + (long long)oc * kH * kW;
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
          sum = __fmaf_rn(dyc[oh * outW + ow], wc[kh * kW + kw], sum);
        }
      }
    }
    dx[idx] = sum;
  }
}

// Depthwise backward to the weights: one block per weight element (oc, kh, kw), reducing
//   dw = sum over (s, oh, ow) of dy[s, oc, oh, ow] * x[s, oc / mult, ih, iw]. grid outC*kH*kW, block 256.
extern "C" __global__ void depthwise_conv_bwd_weight(const float* __restrict__ x,
                                                     const float* __restrict__ dy,
                                                     float* __restrict__ dw, int N, int inC, int H,
                                                     int W, int mult, int kH, int kW, int stride,
                                                     int pad, int outH, int outW) {
  int e = blockIdx.x;
  int kw = e % kW, kh = (e / kW) % kH, oc = e / (kW * kH);
  int outC = inC * mult;
  long long outHW = (long long)outH * outW;
  long long count = (long long)N * outHW;
  float sum = 0.f;
  for (long long j = threadIdx.x; j < count; j += blockDim.x) {
    long long s = j / outHW;
    int pix = (int)(j % outHW);
    int oh = pix / outW, ow = pix % outW;
    int ih = oh * stride - pad + kh, iw = ow * stride - pad + kw;
    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
    sum = __fmaf_rn(dy[(s * outC + oc) * outHW + pix], x[((s * inC + oc / mult) * H + ih) * (long long)W + iw], sum);
  }
  float total = hs_block_sum(sum);
  if (threadIdx.x == 0) dw[e] = total;
}

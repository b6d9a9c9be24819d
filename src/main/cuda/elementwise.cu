// elementwise.cu: the small kernels of device-resident training: activations, residual sums,
// global average pooling, dropout, and the step's scalar reductions (loss, correct count,
// non-finite count) that the host reads back once per step.
// References (bit-exact): io.hindsight.device.sim.ElementwiseRef; they compute exactly what the
// CPU layers (io.hindsight.nn.Activation, Residual, GlobalAvgPool, Dropout) and the CPU step compute.
#include "hs_common.cuh"

// y = min(max(x, 0), upper) with NaN passing through and -0 becoming +0 (ReLU: upper = +Inf; ReLU6: 6).
extern "C" __global__ void relu_fwd(const float* __restrict__ x, float* __restrict__ y, long long n,
                                    float upper) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float v = x[i];
    y[i] = v > 0.f ? (v < upper ? v : upper) : (v != v ? v : 0.f);
  }
}

// dx = dy where 0 < x < upper (strictly), else +0 (NaN x: +0).
extern "C" __global__ void relu_bwd(const float* __restrict__ x, const float* __restrict__ dy,
                                    float* __restrict__ dx, long long n, float upper) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float v = x[i];
    dx[i] = (v > 0.f && v < upper) ? dy[i] : 0.f;
  }
}

// y = a + b (residual sums and the sum of two branches' input gradients).
extern "C" __global__ void add_tensors(const float* __restrict__ a, const float* __restrict__ b,
                                       float* __restrict__ y, long long n) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    y[i] = __fadd_rn(a[i], b[i]);
  }
}

// y = a * b (dropout's backward: dy times the scaled mask).
extern "C" __global__ void mul_tensors(const float* __restrict__ a, const float* __restrict__ b,
                                       float* __restrict__ y, long long n) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    y[i] = __fmul_rn(a[i], b[i]);
  }
}

// Global average pooling, one thread per plane of x (planes, hw): y[p] = (sum in order) / hw.
extern "C" __global__ void global_avg_pool_fwd(const float* __restrict__ x, float* __restrict__ y,
                                               int planes, int hw) {
  for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < planes; p += gridDim.x * blockDim.x) {
    const float* xp = x + (long long)p * hw;
    float sum = 0.f;
    for (int i = 0; i < hw; i++) sum = __fadd_rn(sum, xp[i]);
    y[p] = __fdiv_rn(sum, (float)hw);
  }
}

// dx[p, i] = dy[p] / hw for every pixel i of plane p.
extern "C" __global__ void global_avg_pool_bwd(const float* __restrict__ dy, float* __restrict__ dx,
                                               int planes, int hw) {
  long long total = (long long)planes * hw;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    dx[i] = __fdiv_rn(dy[i / hw], (float)hw);
  }
}

// Inverted dropout: mask[i] = (u(key, i) < p) ? 0 : scale (scale = 1 / (1 - p)); y = x * mask.
// u is the counter-based number of stochastic rounding (hs_uniform), so the CPU draws the same mask.
extern "C" __global__ void dropout_fwd(const float* __restrict__ x, float* __restrict__ y,
                                       float* __restrict__ mask, long long n, float p, float scale,
                                       unsigned long long key) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float m = hs_uniform(key, (unsigned long long)i) < p ? 0.f : scale;
    mask[i] = m;
    y[i] = __fmul_rn(x[i], m);
  }
}

// x[i] = value for i < n.
extern "C" __global__ void fill_i32(int* __restrict__ x, long long n, int value) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    x[i] = value;
  }
}

// The step's loss and accuracy, one thread, rows in order (as the CPU step sums them):
//   out[0] = sum of rowLoss (double), correctOut[0] = sum of correct; status[0] += 1 if the sum is not finite.
extern "C" __global__ void reduce_loss(const double* __restrict__ rowLoss,
                                       const int* __restrict__ correct, int n,
                                       double* __restrict__ out, int* __restrict__ correctOut,
                                       int* __restrict__ status) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  double sum = 0.0;
  int c = 0;
  for (int i = 0; i < n; i++) {
    sum = __dadd_rn(sum, rowLoss[i]);
    c += correct[i];
  }
  out[0] = sum;
  correctOut[0] = c;
  if (!isfinite(sum)) status[0] += 1;
}

// status[0] += number of NaN/Inf values of x (n) (order-independent integer sum).
extern "C" __global__ void count_nonfinite(const float* __restrict__ x, long long n,
                                           int* __restrict__ status) {
  unsigned int bad = 0u;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    bad += isfinite(x[i]) ? 0u : 1u;
  }
  for (int o = 16; o > 0; o >>= 1) bad += __shfl_xor_sync(0xffffffffu, bad, o);
  if ((threadIdx.x & 31) == 0 && bad != 0u) atomicAdd(status, (int)bad);
}

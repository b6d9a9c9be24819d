// loss_optim.cu: softmax cross-entropy (forward/backward) and the SGD update.
// References: io.hindsight.device.sim.LossOptimRef (bit-exact, except that exp/log may differ from
// Java's in the last bit); the CPU classes io.hindsight.nn.SoftmaxCrossEntropy and
// io.hindsight.optim.Sgd compute the same formulas (the softmax sums in another order).
#include "hs_common.cuh"

// Softmax cross-entropy forward, one warp per row of logits (N, K), labels (N):
//   probs[i, j] = exp(z[i, j] - logSum_i), logSum_i = log(sum_j exp(z[i, j] - max_i)) + max_i (double);
//   loss[i] = logSum_i - z[i, label_i]; correct[i] = (first arg-max == label_i).
// grid ceil(N / 8), block 256.
extern "C" __global__ void softmax_xent_fwd(const float* __restrict__ z,
                                            const int* __restrict__ labels, int N, int K,
                                            float* __restrict__ probs, double* __restrict__ loss,
                                            int* __restrict__ correct) {
  int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  int lane = threadIdx.x & 31;
  if (row >= N) return;
  const float* zr = z + (long long)row * K;
  float max = -INFINITY;
  int arg = K;  // first index of the maximum: (value, -index) order
  for (int j = lane; j < K; j += 32) {
    if (zr[j] > max || (zr[j] == max && j < arg)) {
      max = zr[j];
      arg = j;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    float m2 = __shfl_xor_sync(0xffffffffu, max, o);
    int a2 = __shfl_xor_sync(0xffffffffu, arg, o);
    if (m2 > max || (m2 == max && a2 < arg)) {
      max = m2;
      arg = a2;
    }
  }
  double sum = 0.0;
  for (int j = lane; j < K; j += 32) sum += exp((double)(zr[j] - max));
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  double logSum = log(sum) + max;
  for (int j = lane; j < K; j += 32) probs[(long long)row * K + j] = (float)exp(zr[j] - logSum);
  if (lane == 0) {
    int label = labels[row];
    loss[row] = logSum - zr[label];
    correct[row] = (arg == label) ? 1 : 0;
  }
}

// dlogits = (probs - onehot(label)) / N, same operation order as the CPU reference.
extern "C" __global__ void softmax_xent_bwd(const float* __restrict__ probs,
                                            const int* __restrict__ labels, int N, int K,
                                            float* __restrict__ dz) {
  long long total = (long long)N * K;
  float inv = 1.f / (float)N;
  for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    int i = (int)(idx / K), j = (int)(idx % K);
    float p = probs[idx];
    if (j == labels[i]) p = __fsub_rn(p, 1.f);
    dz[idx] = __fmul_rn(p, inv);
  }
}

// SGD with momentum / Nesterov / L2 weight decay (torch.optim.SGD, dampening 0), bit-exact with
// io.hindsight.optim.Sgd (no FMA contraction):
//   g = grad + wd * w; v = first ? g : momentum * v + g; d = nesterov ? g + momentum * v : v; w -= lr * d
// v may be null when momentum == 0. Returns the new w[i] (and writes v[i]).
__device__ __forceinline__ float hs_sgd(float wi, float gradi, float* __restrict__ v, long long i, float lr,
                                        float momentum, int nesterov, float weightDecay, int first) {
  float g = __fadd_rn(gradi, __fmul_rn(weightDecay, wi));
  float d = g;
  if (v != nullptr) {
    float vi = first ? g : __fadd_rn(__fmul_rn(momentum, v[i]), g);
    v[i] = vi;
    d = nesterov ? __fadd_rn(g, __fmul_rn(momentum, vi)) : vi;
  }
  return __fsub_rn(wi, __fmul_rn(lr, d));
}

// One SGD step (hs_sgd) over n parameters. skip (nullable): when skip[0] != 0 nothing is updated
// (the step's loss or gradients were not finite; the host learns it from the step's one read-back).
extern "C" __global__ void sgd_update(float* __restrict__ w, const float* __restrict__ grad,
                                      float* __restrict__ v, long long n, float lr, float momentum,
                                      int nesterov, float weightDecay, int first,
                                      const int* __restrict__ skip) {
  if (skip != nullptr && skip[0] != 0) return;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    w[i] = hs_sgd(w[i], grad[i], v, i, lr, momentum, nesterov, weightDecay, first);
  }
}

// sgd_update over parameters split into segments, one block each: segment s is elements
// [segStart[s], segStart[s + 1]) and the segments cover [0, segStart[segments]). A segment with
// segSlot[s] >= 0 (a channel of a quantized layer's weights) then records the statistics of its new
// values (min, max, non-finite count; nothing clipped) into stats[segSlot[s]] (initialised by
// hs_stats_init): the weights' quantizer reads them before the next step instead of running a
// statistics pass over the weights (the optimizer is the kernel that produces the weights). When
// skip[0] != 0 nothing is updated and the statistics are those of the unchanged values.
// grid segments, block 256.
extern "C" __global__ void sgd_update_stats(float* __restrict__ w, const float* __restrict__ grad,
                                            float* __restrict__ v, float lr, float momentum, int nesterov,
                                            float weightDecay, int first, const int* __restrict__ skip,
                                            const long long* __restrict__ segStart,
                                            const int* __restrict__ segSlot, int segments,
                                            HsStats* stats) {
  int s = blockIdx.x;
  if (s >= segments) return;
  bool update = skip == nullptr || skip[0] == 0;
  int slot = segSlot[s];
  int minKey = HS_KEY_POS_INF, maxKey = HS_KEY_NEG_INF;
  unsigned int nonfinite = 0u;
  long long end = segStart[s + 1];
  for (long long i = segStart[s] + threadIdx.x; i < end; i += blockDim.x) {
    float wi = w[i];
    if (update) {
      wi = hs_sgd(wi, grad[i], v, i, lr, momentum, nesterov, weightDecay, first);
      w[i] = wi;
    }
    hs_stats_add(wi, minKey, maxKey, nonfinite);
  }
  if (slot >= 0) hs_stats_commit(stats + slot, minKey, maxKey, 0u, nonfinite);
}

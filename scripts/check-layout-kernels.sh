#!/usr/bin/env bash
# Host check of the index arithmetic of the layout kernels (src/main/cuda/qtrain.cu: im2col_s8_t,
# col2im_t, nchw_to_nhwc_s8) and of the batch-norm kernels' element index (hs_bn_index in
# hs_common.cuh). Their bodies (between the "BEGIN ..." and "END ..." markers) are compiled as C++ with the CUDA built-ins emulated (a grid of blocks and
# threads run one after the other) and compared, in both index types (32- and 64-bit), byte for byte
# with a plain gather written from the layouts' definitions, on random shapes (strides, padding,
# non-square kernels, grids smaller than the work). The GPU runs the same code; the GPU self-test
# checks it there. Usage: scripts/check-layout-kernels.sh (needs a C++ compiler: c++, g++ or clang++).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cxx="$(command -v c++ || command -v g++ || command -v clang++ || true)"
[[ -n "$cxx" ]] || { echo "check-layout-kernels: no C++ compiler" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sed -n '/BEGIN hs_layout_bodies/,/END hs_layout_bodies/p' "$root/src/main/cuda/qtrain.cu" > "$tmp/bodies.inc"
sed -n '/BEGIN hs_bn_index/,/END hs_bn_index/p' "$root/src/main/cuda/hs_common.cuh" >> "$tmp/bodies.inc"
[[ -s "$tmp/bodies.inc" ]] || { echo "check-layout-kernels: bodies not found in qtrain.cu" >&2; exit 1; }
cat > "$tmp/check.cpp" <<'CPP'
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
struct Dim3 { unsigned x = 0, y = 0, z = 0; };
static Dim3 blockIdx, blockDim, threadIdx, gridDim;
#define __device__
#define __forceinline__ inline
#define __restrict__
static inline float __fadd_rn(float a, float b) { return a + b; }
#include "bodies.inc"

template <class F> static void grid(unsigned blocks, unsigned threads, F f) {
  gridDim.x = blocks; blockDim.x = threads;
  for (unsigned b = 0; b < blocks; b++) for (unsigned t = 0; t < threads; t++) { blockIdx.x = b; threadIdx.x = t; f(); }
}

static int failures = 0;
static void expect(bool ok, const char* what, int shape) {
  if (!ok) { std::printf("FAIL %s, shape %d\n", what, shape); failures++; }
}

int main() {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int shape = 0; shape < 400; shape++) {
    int N = pick(1, 3), C = pick(1, 5), H = pick(1, 9), W = pick(1, 9), kH = pick(1, 3), kW = pick(1, 3);
    int stride = pick(1, 2), pad = pick(0, 2);
    int outH = (H + 2 * pad - kH) / stride + 1, outW = (W + 2 * pad - kW) / stride + 1;
    if (H + 2 * pad < kH || W + 2 * pad < kW || outH < 1 || outW < 1) continue;
    long long K = (long long)C * kH * kW, outHW = (long long)outH * outW;
    long long cols = N * outHW * K, inputs = (long long)N * C * H * W;
    unsigned blocks = pick(1, 5), threads = 32 * pick(1, 3);
    std::vector<signed char> x(inputs);
    for (auto& v : x) v = (signed char)pick(-128, 127);
    signed char padCode = (signed char)pick(-3, 3);
    // im2col_s8_t: colT[(s * outHW + pixel) * K + (c * kH + kh) * kW + kw]
    std::vector<signed char> want(cols);
    for (int s = 0; s < N; s++) for (int oh = 0; oh < outH; oh++) for (int ow = 0; ow < outW; ow++)
      for (int c = 0; c < C; c++) for (int kh = 0; kh < kH; kh++) for (int kw = 0; kw < kW; kw++) {
        int ih = oh * stride - pad + kh, iw = ow * stride - pad + kw;
        bool in = ih >= 0 && ih < H && iw >= 0 && iw < W;
        want[((s * outHW) + oh * outW + ow) * K + (c * kH + kh) * kW + kw] =
            in ? x[((s * C + c) * H + ih) * W + iw] : padCode;
      }
    std::vector<signed char> got32(cols, 99), got64(cols, 99);
    grid(blocks, threads, [&] { hs_im2col_s8_t<unsigned int>(x.data(), C, H, W, kH, kW, stride, pad, outW,
        (unsigned)outHW, (unsigned)K, (unsigned)cols, padCode, got32.data()); });
    grid(blocks, threads, [&] { hs_im2col_s8_t<long long>(x.data(), C, H, W, kH, kW, stride, pad, outW,
        outHW, K, cols, padCode, got64.data()); });
    expect(got32 == want, "im2col_s8_t 32-bit", shape);
    expect(got64 == want, "im2col_s8_t 64-bit", shape);
    // col2im_t: dx[s, c, ih, iw] = sum over (kh, kw) in order of dcolT at the column that read it
    std::vector<float> dcol(cols);
    for (auto& v : dcol) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    std::vector<float> dxWant(inputs, 0.f);
    for (int s = 0; s < N; s++) for (int c = 0; c < C; c++) for (int ih = 0; ih < H; ih++) for (int iw = 0; iw < W; iw++) {
      float sum = 0.f;
      for (int kh = 0; kh < kH; kh++) for (int kw = 0; kw < kW; kw++) {
        int ohs = ih + pad - kh, ows = iw + pad - kw;
        if (ohs < 0 || ows < 0 || ohs % stride || ows % stride) continue;
        int oh = ohs / stride, ow = ows / stride;
        if (oh >= outH || ow >= outW) continue;
        sum = sum + dcol[((s * outHW) + oh * outW + ow) * K + (c * kH + kh) * kW + kw];
      }
      dxWant[((s * C + c) * H + ih) * W + iw] = sum;
    }
    std::vector<float> dx32(inputs, 7.f), dx64(inputs, 7.f);
    grid(blocks, threads, [&] { hs_col2im_t<unsigned int>(dcol.data(), C, H, W, kH, kW, stride, pad, outH, outW,
        (unsigned)outHW, (unsigned)K, (unsigned)inputs, dx32.data()); });
    grid(blocks, threads, [&] { hs_col2im_t<long long>(dcol.data(), C, H, W, kH, kW, stride, pad, outH, outW,
        outHW, K, inputs, dx64.data()); });
    expect(dx32 == dxWant, "col2im_t 32-bit", shape);
    expect(dx64 == dxWant, "col2im_t 64-bit", shape);
    // nchw_to_nhwc_s8: out[(s * HW + p) * C + c] = in[(s * C + c) * HW + p]
    long long HW = (long long)H * W;
    std::vector<signed char> nhwcWant(inputs), nhwc32(inputs, 99), nhwc64(inputs, 99);
    for (int s = 0; s < N; s++) for (int c = 0; c < C; c++) for (long long p = 0; p < HW; p++)
      nhwcWant[(s * HW + p) * C + c] = x[(s * C + c) * HW + p];
    grid(blocks, threads, [&] { hs_nchw_to_nhwc_s8<unsigned int>(x.data(), C, (unsigned)HW, (unsigned)inputs, nhwc32.data()); });
    grid(blocks, threads, [&] { hs_nchw_to_nhwc_s8<long long>(x.data(), C, HW, inputs, nhwc64.data()); });
    expect(nhwc32 == nhwcWant, "nchw_to_nhwc_s8 32-bit", shape);
    expect(nhwc64 == nhwcWant, "nchw_to_nhwc_s8 64-bit", shape);
  }
  // hs_bn_index: value j = s * HW + p of channel c sits at NCHW index (s * C + c) * HW + p, also past 2^32
  for (int t = 0; t < 100000; t++) {
    int C = pick(1, 64), HW = pick(1, 5000), c = pick(0, C - 1);
    // small values, the last ones below 2^32 (the 32-bit path), the first ones from 2^32 (64-bit)
    long long j = t < 40000 ? (long long)pick(0, 1 << 30) : (1LL << 32) - 70000 + t;
    long long s = j / HW, p = j % HW;
    expect(hs_bn_index(j, c, C, HW) == (s * C + c) * HW + p, "hs_bn_index", t);
  }
  std::printf("check-layout-kernels: %s\n", failures ? "FAILED" : "ok (400 random shapes, 32- and 64-bit indices; hs_bn_index)");
  return failures ? 1 : 0;
}
CPP
"$cxx" -std=c++17 -O1 -I"$tmp" -o "$tmp/check" "$tmp/check.cpp"
"$tmp/check"

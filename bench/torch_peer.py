#!/usr/bin/env python3
"""PyTorch peer of `hindsight bench gpu` (io.hindsight.bench.GpuBench): the same table columns
for the PyTorch way of doing the same work on the same GPU.

  benchmark | shape | ms | MB moved | GB/s | % copy | TOPS

"MB moved" is the compulsory traffic of the work (each input read once, each output written
once), the same accounting as the Java suite's TrafficCounter, so GB/s is comparable. Times are
CUDA-event medians after warm-up. Needs only torch (GPU host, no network).

Usage: python3 bench/torch_peer.py [--quick] [--out FILE]
"""
import argparse
import sys

import torch

FORMAT = "%-44s %-22s %10s %10s %9s %9s %8s"


def median_ms(fn, warmup=3, iters=20):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


class Table:
    def __init__(self):
        self.rows = []
        self.copy_gbs = None

    def row(self, name, shape, fn, bytes_moved, ops=0.0, iters=20):
        ms = median_ms(fn, iters=iters)
        gbs = bytes_moved / (ms * 1e6)
        pct = "100.0" if self.copy_gbs is None else "%.1f" % (100 * gbs / self.copy_gbs)
        tops = "%.1f" % (ops / (ms * 1e9)) if ops else "-"
        self.rows.append(FORMAT % (name, shape, "%.3f" % ms, "%.1f" % (bytes_moved / 1e6), "%.0f" % gbs, pct, tops))
        return ms


def dynamic_quant(y):
    """Per-tensor asymmetric int8 quantization with the range taken from y itself."""
    lo = torch.clamp(y.amin(), max=0.0).float()
    hi = torch.clamp(y.amax(), min=0.0).float()
    scale = torch.clamp((hi - lo) / 255.0, min=1e-12)
    zp = torch.clamp(-128 - torch.round(lo / scale), -128, 127)
    return torch.clamp(torch.round(y.float() / scale) + zp, -128, 127).to(torch.int8)


def static_quant(x, inv_scale: float, zp: float):
    return torch.clamp(torch.round(x * inv_scale) + zp, -128, 127).to(torch.int8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--out", help="also write the table to this file")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("no GPU: torch.cuda.is_available() is False")
        return 0
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    t = Table()
    lines = ["# torch peer: %s, torch %s, CUDA %s" % (torch.cuda.get_device_name(0), torch.__version__, torch.version.cuda),
             FORMAT % ("benchmark", "shape", "ms", "MB moved", "GB/s", "% copy", "TOPS")]

    # device-to-device copy
    nbytes = (256 << 20) if args.quick else (1 << 30)
    src = torch.empty(nbytes, dtype=torch.uint8, device=dev)
    dst = torch.empty_like(src)
    ms = t.row("copy device-to-device", "%d MiB" % (nbytes >> 20), lambda: dst.copy_(src), 2 * nbytes)
    t.copy_gbs = 2 * nbytes / (ms * 1e6)
    del src, dst

    # quantization: static (known range) vs dynamic (range from the tensor), torch.compile'd
    n = (1 << 26) if args.quick else (1 << 28)
    x = torch.randn(n, device=dev) * 2
    sq = torch.compile(static_quant)
    dq = torch.compile(dynamic_quant)
    shape = "%dM fp32 -> int8" % (n >> 20)
    t_static = t.row("torch static quant (compile)", shape, lambda: sq(x, 255.0 / 12.0, 0.0), 5 * n)
    t_dynamic = t.row("torch dynamic quant aminmax+quant (compile)", shape, lambda: dq(x), 9 * n)
    t.rows.append("  -> static is %.2fx faster than dynamic" % (t_dynamic / t_static))
    del x

    # int8 GEMM: torch._int_mm (int32 output, no fused epilogue)
    s = 2048 if args.quick else 8192
    a = torch.randint(-128, 128, (s, s), dtype=torch.int8, device=dev)
    b = torch.randint(-128, 128, (s, s), dtype=torch.int8, device=dev)
    t.row("torch._int_mm (int32 out)", "%dx%dx%d" % (s, s, s), lambda: torch._int_mm(a, b),
          2 * s * s + 4 * s * s, ops=2.0 * s ** 3, iters=10)
    del a, b

    # one linear layer forward + dynamic int8 quantization of its output
    m, k, nout = (2048, 1024, 1024) if args.quick else (16384, 1024, 4096)
    xb = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
    wb = torch.randn(k, nout, device=dev, dtype=torch.bfloat16) * 0.03
    bias = torch.zeros(nout, device=dev, dtype=torch.bfloat16)

    def linear_bf16():
        return dynamic_quant(torch.relu(xb @ wb + bias))

    lin = torch.compile(linear_bf16)
    shape = "%dx%d * %dx%d" % (m, k, k, nout)
    ops = 2.0 * m * k * nout
    # read x, W (bf16); write y bf16; read y (minmax); read y + write int8 (quantize)
    t.row("linear fwd torch bf16 + dynamic int8 (compile)", shape, lin,
                   2 * (m * k + k * nout) + 2 * m * nout * 3 + m * nout, ops=ops, iters=10)
    xi = torch.randint(-128, 128, (m, k), dtype=torch.int8, device=dev)
    wi = torch.randint(-128, 128, (k, nout), dtype=torch.int8, device=dev)
    sw = torch.full((nout,), 2e-4, device=dev)

    def linear_int8():
        y = torch._int_mm(xi, wi).float() * (0.02 * sw) + bias.float()
        return dynamic_quant(torch.relu(y))

    lin8 = torch.compile(linear_int8)
    t.row("linear fwd torch _int_mm + dynamic int8 (compile)", shape, lin8,
                   (m * k + k * nout) + 4 * m * nout * 3 + m * nout, ops=ops, iters=10)
    lines += t.rows
    lines.append("peak device memory: %.1f MiB allocated by torch" % (torch.cuda.max_memory_allocated() / 1048576.0))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

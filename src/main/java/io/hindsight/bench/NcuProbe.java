package io.hindsight.bench;

import io.hindsight.cuda.CudaDevice;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.CudaRuntime;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.cuda.GemmAlgo;
import io.hindsight.cuda.QuantStats;
import io.hindsight.cuda.TrafficCounter;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The workload that checks the {@link TrafficCounter} against Nsight Compute: each kernel whose
 * bytes feed the {@code bytesMoved} metrics is launched exactly once on tensors far larger than the
 * H100's 50 MB L2 (so DRAM counters see the compulsory traffic), and the counted bytes per kernel
 * are written as CSV ({@code kernel,launches,countedRead,countedWrite}). Run it under
 * {@code ncu --metrics dram__bytes_read.sum,dram__bytes_write.sum} and join the two with
 * {@code bench/ncu_compare.py}. The fill of the input runs before any profiled kernel, through
 * copies only, so the profiled launches are exactly the ones counted.
 *
 * <p>Usage: {@code NcuProbe --out counted.csv [--floats N]} (default 2^28 floats, 1 GiB).
 */
public final class NcuProbe {
  private NcuProbe() {}

  public static void main(String[] args) throws IOException {
    Path out = null;
    long n = 1L << 28;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--floats" -> n = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("usage: NcuProbe --out FILE [--floats N]; unknown " + args[i]);
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("usage: NcuProbe --out FILE [--floats N]");
    }
    CudaRuntime.Availability a = CudaRuntime.availability();
    if (!a.available()) {
      System.out.println("no GPU: " + a.reason());
      return;
    }
    TrafficCounter traffic = new TrafficCounter();
    try (CudaDevice device = CudaDevice.open(); DeviceScope arena = device.scope("ncu")) {
      CudaKernels k = new CudaKernels(device, traffic);
      DeviceBuffer x = arena.floats(n);
      DeviceBuffer q = arena.bytes(n);
      DeviceBuffer stats = arena.allocate(2L * QuantStats.BYTES);
      DeviceBuffer range = stats.slice(QuantStats.BYTES, QuantStats.BYTES);
      DeviceBuffer params = arena.ints(4);
      GpuBench.fillNormal(k, x, n);
      // GEMM operands: a linear layer 16384x1024 * 1024x4096 (int8 output 64 MiB, fp32 output 256 MiB)
      int m = 16384;
      int in = 1024;
      int outC = 4096;
      GemmOperands g = GemmOperands.random(k, arena, m, outC, in, 2e-4f, 5);
      DeviceBuffer y8 = arena.bytes((long) m * outC);
      DeviceBuffer y32 = arena.floats((long) m * outC);
      device.synchronize();

      // Everything before this line is setup; the counter starts here.
      traffic.reset();
      k.statsInit(stats, 2);
      k.rowSumS8(g.w(), outC, in, g.colSum());
      k.quantizeStatic(x, q, n, QuantParams.perTensor(new QuantGrid(8, false), -6f, 6f), Rounding.NEAREST, 0, stats);
      k.minmaxReduce(x, n, range);
      k.quantizeWithRange(x, q, n, range, 8, false, Rounding.NEAREST, 0, params, null);
      k.gemmS8Nt(GemmAlgo.AUTO, g.x(), g.w(), m, outC, in, g.epilogue(0.02f, true), y8, null, stats);
      k.gemmS8Nt(GemmAlgo.MMA, g.x(), g.w(), m, outC, in, g.epilogue(0.02f, false), null, y32, null);
      device.synchronize();
    }
    StringBuilder sb = new StringBuilder("kernel,launches,countedRead,countedWrite\n");
    for (Map.Entry<String, TrafficCounter.Entry> e : traffic.snapshot().entrySet()) {
      TrafficCounter.Entry v = e.getValue();
      sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d%n", e.getKey(), v.launches(), v.bytesRead(), v.bytesWritten()));
    }
    System.out.print(sb);
    Files.writeString(out, sb.toString(), StandardCharsets.UTF_8);
  }
}

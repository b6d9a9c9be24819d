package io.hindsight.bench;

import io.hindsight.backend.Backends;
import io.hindsight.backend.CpuBackend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.data.Batch;
import io.hindsight.device.DeviceCounters;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.train.DeviceStepEngine;
import io.hindsight.util.Rng;
import java.io.PrintStream;
import java.util.Locale;

/**
 * FP32 device-resident training throughput: the model (width 1) on a CUDA backend's device,
 * {@code warmup} untimed steps, then {@code iters} timed steps on one fixed batch (every step ends
 * with its read-back, so the time includes the whole step). Prints samples/s, the host/device bytes
 * and launches per step, and the peak device memory. The peer is {@code bench/torch_train_peer.py}
 * (same model, batch and optimizer).
 */
public final class DeviceStepBenchmark {
  private DeviceStepBenchmark() {}

  /** Samples per second. */
  public static double run(String arch, int batch, int warmup, int iters, String backendName, PrintStream out) {
    if (!backendName.startsWith("cuda")) {
      throw new IllegalArgumentException("the device step benchmark needs --backend cuda or cuda-sim, got " + backendName);
    }
    try (CudaBackend backend = (CudaBackend) Backends.create(backendName, 2); CpuBackend host = new CpuBackend(1)) {
      Model model = new ModelFactory(host, QuantHooksProvider.NONE, new Rng(0)).build(arch, 1.0, 0,
          new int[] {1, 28, 28}, 10, new Rng(1));
      Sgd sgd = new Sgd(model.parameters(), 0.9, false, 5e-4);
      Rng r = new Rng(2);
      float[] x = new float[batch * 28 * 28];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextFloat();
      }
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = r.nextInt(10);
      }
      Batch b = new Batch(Tensor.of(x, batch, 1, 28, 28), labels);
      out.printf(Locale.ROOT, "device-step benchmark: %s (%d parameters), batch %d, %d warmup + %d timed steps on %s%n",
          arch, model.parameterCount(), batch, warmup, iters, backend.device());
      try (DeviceStepEngine engine = new DeviceStepEngine(model, sgd, backend.kernels(), 0.9, false, 5e-4)) {
        for (int i = 0; i < warmup; i++) {
          engine.trainStep(b, 0.01);
        }
        backend.deviceHandle().resetPeak();
        DeviceCounters c0 = backend.deviceHandle().counters();
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
          engine.trainStep(b, 0.01);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        DeviceCounters d = backend.deviceHandle().counters().minus(c0);
        double rate = (double) batch * iters / s;
        out.printf(Locale.ROOT, "  %s %s FP32 device-resident: %.1f samples/s (%.3f ms/step); per step %d B to the device,"
            + " %d B back, %d launches; peak device memory %.1f MiB%n", backendName, arch, rate, s * 1e3 / iters,
            d.hostToDeviceBytes() / iters, d.deviceToHostBytes() / iters, d.kernelLaunches() / iters,
            d.peakBytes() / 1048576.0);
        return rate;
      }
    }
  }
}

package io.hindsight.bench;

import io.hindsight.backend.Backends;
import io.hindsight.backend.CpuBackend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.cuda.TrafficCounter;
import io.hindsight.data.Batch;
import io.hindsight.device.DeviceCounters;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.optim.Sgd;
import io.hindsight.quant.QuantRoutes;
import io.hindsight.quant.QuantizationPlan;
import io.hindsight.spec.JobSpecs;
import io.hindsight.tensor.Tensor;
import io.hindsight.train.DeviceStepEngine;
import io.hindsight.util.Rng;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Device-resident training throughput: the model (width 1) on a CUDA backend's device, FP32 or
 * fully quantized INT8 on the fused path (activations and gradients with one estimator, the default
 * weights), {@code warmup} untimed steps, then {@code iters} timed steps on one fixed batch (every
 * step ends with its read-back, so the time includes the whole step). Prints samples/s, the
 * host/device bytes, launches and quantization bytes per step, and the peak device memory. The FP32
 * peer is {@code bench/torch_train_peer.py} (same model, batch and optimizer).
 */
public final class DeviceStepBenchmark {
  private DeviceStepBenchmark() {}

  /** Samples per second of FP32 training. */
  public static double run(String arch, int batch, int warmup, int iters, String backendName, PrintStream out) {
    return run(arch, batch, warmup, iters, backendName, null, out);
  }

  /**
   * Samples per second.
   *
   * @param estimator the activations' and gradients' range estimator of an INT8 run, or null for FP32
   */
  public static double run(String arch, int batch, int warmup, int iters, String backendName, String estimator,
      PrintStream out) {
    return run(arch, batch, warmup, iters, backendName, estimator, null, out);
  }

  /**
   * As {@link #run(String, int, int, int, String, String, PrintStream)}, and writes to {@code counted}
   * (when not null) the bytes each kernel was counted over the timed steps
   * ({@code kernel,launches,countedRead,countedWrite}: what {@code bench/ncu_compare.py} joins with
   * Nsight Compute's measurements of the same launches). The timed steps are also the device's
   * profiler range, so {@code ncu --profile-from-start off} measures exactly them: with
   * {@code --warmup 3} and hindsight-minmax the first static step, after the dynamic warm-up.
   */
  public static double run(String arch, int batch, int warmup, int iters, String backendName, String estimator,
      Path counted, PrintStream out) {
    if (!backendName.startsWith("cuda")) {
      throw new IllegalArgumentException("the device step benchmark needs --backend cuda or cuda-sim, got " + backendName);
    }
    try (CudaBackend backend = (CudaBackend) Backends.create(backendName, 2); CpuBackend host = new CpuBackend(1)) {
      QuantizationPlan plan = estimator == null ? null : QuantizationPlan.create(JobSpecs.parseAndResolve("""
          {"model": {"arch": "%s"}, "dataset": {"name": "synthetic"},
           "quantization": {"activations": {"estimator": "%s"}, "gradients": {"estimator": "%s"}}}"""
          .formatted(arch, estimator, estimator)).quantization(), 0);
      Model model = new ModelFactory(host, plan == null ? QuantHooksProvider.NONE : plan, new Rng(0)).build(arch, 1.0,
          0, new int[] {1, 28, 28}, 10, new Rng(1));
      if (plan != null) {
        QuantRoutes.apply(model.root());
        plan.beginEpoch();
      }
      String mode = plan == null ? "FP32" : "INT8 " + estimator;
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
      out.printf(Locale.ROOT, "device-step benchmark: %s %s (%d parameters), batch %d, %d warmup + %d timed steps on %s%n",
          arch, mode, model.parameterCount(), batch, warmup, iters, backend.device());
      try (DeviceStepEngine engine = new DeviceStepEngine(model, sgd, backend.kernels(), 0.9, false, 5e-4,
          plan != null)) {
        long step = 0;
        for (int i = 0; i < warmup; i++) {
          step(engine, plan, b, step++);
        }
        backend.deviceHandle().resetPeak();
        if (counted != null) {
          backend.kernels().traffic().reset();
          backend.deviceHandle().profilerStart();
        }
        DeviceCounters c0 = backend.deviceHandle().counters();
        long q0 = backend.kernels().traffic().quantizationBytes();
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
          step(engine, plan, b, step++);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (counted != null) {
          backend.deviceHandle().profilerStop();
        }
        DeviceCounters d = backend.deviceHandle().counters().minus(c0);
        long quantBytes = backend.kernels().traffic().quantizationBytes() - q0;
        double rate = (double) batch * iters / s;
        out.printf(Locale.ROOT, "  %s %s %s device-resident: %.1f samples/s (%.3f ms/step); per step %d B to the device,"
            + " %d B back, %d launches, %d quantization bytes; peak device memory %.1f MiB%n", backendName, arch, mode,
            rate, s * 1e3 / iters, d.hostToDeviceBytes() / iters, d.deviceToHostBytes() / iters,
            d.kernelLaunches() / iters, quantBytes / iters, d.peakBytes() / 1048576.0);
        if (counted != null) {
          writeCounted(backend.kernels().traffic(), counted);
        }
        return rate;
      }
    }
  }

  private static void writeCounted(TrafficCounter traffic, Path file) {
    StringBuilder sb = new StringBuilder("kernel,launches,countedRead,countedWrite\n");
    for (Map.Entry<String, TrafficCounter.Entry> e : traffic.snapshot().entrySet()) {
      TrafficCounter.Entry v = e.getValue();
      sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d%n", e.getKey(), v.launches(), v.bytesRead(), v.bytesWritten()));
    }
    try {
      Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void step(DeviceStepEngine engine, QuantizationPlan plan, Batch b, long step) {
    if (plan != null) {
      plan.beginStep(step);
    }
    engine.trainStep(b, 0.01);
  }
}

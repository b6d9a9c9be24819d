package io.hindsight.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.Traffic;
import io.hindsight.cuda.TrafficCounter;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.sim.SoftwareDevice;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The MLP training step's launch sequence, run on the software device (every kernel executed by its
 * reference, every launch checked against the kernel's signature) with {@link CudaKernels}' traffic
 * accounting: static ranges quantize in the GEMM epilogues, dynamic
 * ranges add a min/max pass and a quantize pass per GEMM output, and move the bytes the accelerator
 * model says they do.
 */
class QuantizedMlpStepTest {
  @Test
  void staticAndDynamicStepsLaunchTheExpectedKernels() {
    int m = 64;
    int width = 32;
    int hidden = 48;
    TrafficCounter staticTraffic = step(false, m, width, hidden);
    TrafficCounter dynamicTraffic = step(true, m, width, hidden);

    assertThat(staticTraffic.snapshot()).containsKeys("gemm_s8_nt_mma_ldm", "gemm_s8_tn_wgrad", "transpose_s8",
        "sgd_update", "quantize_static_stats").doesNotContainKeys("minmax_reduce", "quantize_with_range");
    assertThat(staticTraffic.snapshot().get("gemm_s8_nt_mma_ldm").launches()).isEqualTo(4);
    assertThat(dynamicTraffic.snapshot().get("minmax_reduce").launches()).isEqualTo(4);
    assertThat(dynamicTraffic.snapshot().get("quantize_with_range").launches()).isEqualTo(4);
    // dynamic: each of the four GEMM outputs is written in FP32 (4 B), read twice (8 B) instead of
    // written once in int8 (1 B); the int8 levels are written by the quantize pass instead, and its
    // statistics pass and quantizing pass each record statistics
    long outputs = 2L * m * hidden + 2L * m * width;
    assertThat(dynamicTraffic.bytesMoved() - staticTraffic.bytesMoved())
        .isEqualTo(outputs * (4 + 8) + 4 * 2 * Traffic.STATS_BYTES);
  }

  /** The traffic of the second step (the first one also copies the initial weights). */
  private static TrafficCounter step(boolean dynamic, int m, int width, int hidden) {
    TrafficCounter traffic = new TrafficCounter();
    SplittableRandom r = new SplittableRandom(3);
    try (SoftwareDevice device = new SoftwareDevice(); DeviceScope scope = device.scope("mlp step")) {
      CudaKernels k = new CudaKernels(device, traffic);
      DeviceBuffer x = scope.upload(int8(r, m * width), "x");
      DeviceBuffer dY = scope.upload(int8(r, m * width), "dY");
      DeviceBuffer w1 = scope.upload(normal(r, hidden * width, 0.05f), "w1");
      DeviceBuffer w2 = scope.upload(normal(r, hidden * width, 0.05f), "w2");
      DeviceBuffer scale = scope.upload(new float[] {0.1f / 127}, "scale");
      QuantizedMlpStep step = new QuantizedMlpStep(k, scope::allocate, dynamic, m, width, hidden, x, dY, w1, w2, scale);
      step.run();
      traffic.reset();
      step.run();
    }
    return traffic;
  }

  private static byte[] int8(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (r.nextInt(255) - 127);
    }
    return b;
  }

  private static float[] normal(SplittableRandom r, int n, float std) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) (r.nextGaussian() * std);
    }
    return f;
  }
}

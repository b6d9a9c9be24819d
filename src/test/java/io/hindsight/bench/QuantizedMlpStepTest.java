package io.hindsight.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.FakeDevice;
import io.hindsight.cuda.TrafficCounter;
import org.junit.jupiter.api.Test;

/**
 * The MLP training step's launch sequence, checked without a GPU through {@link CudaKernels}'
 * argument validation and traffic accounting: static ranges quantize in the GEMM epilogues, dynamic
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
    // written once in int8 (1 B); the int8 levels are written by the quantize pass instead
    long outputs = 2L * m * hidden + 2L * m * width;
    assertThat(dynamicTraffic.bytesMoved() - staticTraffic.bytesMoved()).isEqualTo(outputs * (4 + 8));
  }

  /** The traffic of the second step (the first one also copies the initial weights). */
  private static TrafficCounter step(boolean dynamic, int m, int width, int hidden) {
    TrafficCounter traffic = new TrafficCounter();
    CudaKernels k = FakeDevice.kernels(traffic);
    QuantizedMlpStep step = new QuantizedMlpStep(k, FakeDevice::buffer, dynamic, m, width, hidden,
        FakeDevice.buffer((long) m * width), FakeDevice.buffer((long) m * width),
        FakeDevice.buffer(4L * hidden * width), FakeDevice.buffer(4L * hidden * width), FakeDevice.buffer(4));
    step.run();
    traffic.reset();
    step.run();
    return traffic;
  }
}

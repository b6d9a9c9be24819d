package io.hindsight.device.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.cuda.CudaBackend;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceTensor;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.math.SteMaskBits;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The STE mask a quantizer keeps on the device from step to step is zero whenever a step starts:
 * {@code apply_mask} clears the words it used, and a mask written in a step whose backward did not
 * apply it is zeroed at the next step's start. A stale bit would stop a gradient that should pass.
 */
class SteMaskLifecycleTest {
  private static final int N = 100; // four words, the last one partly used, and one summary word

  private static TensorQuantizer activationQuantizer() {
    return new TensorQuantizer("l", QuantKind.ACTIVATION, QuantConfigReader
        .read("{\"activations\": {\"warmupSteps\": 1}}").resolve("l", QuantKind.ACTIVATION), 1);
  }

  private static float[] ramp(float top) {
    float[] v = new float[N];
    for (int i = 0; i < N; i++) {
      v[i] = top * i / (N - 1);
    }
    return v;
  }

  private static int[] words(DeviceBuffer mask) {
    int[] w = new int[(int) SteMaskBits.bufferWords(N)];
    mask.download(w);
    return w;
  }

  /**
   * Step 0 (dynamic warm-up) fixes the range [0, 1]; step 1 is static and the producer writes values
   * up to 2: about half are clipped, their bits set.
   */
  private static DeviceTensor.Quantized clippingStep(DeviceQuantization dq, DeviceQuantization.ActivationQuantizer aq,
      CudaKernels k, DeviceScope scope) {
    StepContext ctx = new StepContext(k, scope);
    dq.beginStep(true);
    DeviceTensor x0 = DeviceTensor.floats(scope, "x0", N);
    x0.buffer().upload(ramp(1f));
    DeviceTensor.Quantized warm = aq.quantize(x0, ctx);
    aq.applyMask(scope.floats(N, "dX0"), warm, N);
    dq.endStep(b -> true);
    dq.beginStep(true);
    DeviceQuantization.ActivationQuantizer.Fused f = aq.fusedTarget(ctx, N);
    assertThat(f).as("step 1 is static").isNotNull();
    DeviceBuffer x1 = scope.upload(ramp(2f));
    k.actQuantForward(x1, null, N, false, 0f, f.out()); // the producer
    int[] w = words(f.form().mask());
    assertThat(Arrays.stream(w, 0, 4).filter(b -> b != 0)).as("clipped bits set").isNotEmpty();
    assertThat(w[4]).as("the summary marks the words with clipped bits")
        .isEqualTo((w[0] != 0 ? 1 : 0) | (w[1] != 0 ? 2 : 0) | (w[2] != 0 ? 4 : 0) | (w[3] != 0 ? 8 : 0));
    return f.form();
  }

  @Test
  void applyingTheMaskStopsTheClippedGradientsAndClearsIt() {
    try (CudaBackend sim = CudaBackend.simulated(1); DeviceQuantization dq = new DeviceQuantization(sim.kernels());
        DeviceScope scope = sim.kernels().device().scope("test")) {
      CudaKernels k = sim.kernels();
      DeviceQuantization.ActivationQuantizer aq = dq.activation(activationQuantizer());
      DeviceTensor.Quantized form = clippingStep(dq, aq, k, scope);
      float[] ones = new float[N];
      Arrays.fill(ones, 1f);
      DeviceBuffer dX = scope.upload(ones);
      aq.applyMask(dX, form, N);
      float[] g = new float[N];
      dX.download(g);
      float[] x = ramp(2f);
      for (int i = 0; i < N; i++) {
        assertThat(g[i]).as("gradient %d (x = %s)", i, x[i]).isEqualTo(x[i] > 1f ? 0f : 1f);
      }
      assertThat(words(form.mask())).as("words and summary cleared by apply_mask").containsOnly(0);
      dq.endStep(b -> true);
    }
  }

  @Test
  void aMaskThatWasNotAppliedIsZeroedWhenTheNextStepStarts() {
    try (CudaBackend sim = CudaBackend.simulated(1); DeviceQuantization dq = new DeviceQuantization(sim.kernels());
        DeviceScope scope = sim.kernels().device().scope("test")) {
      DeviceQuantization.ActivationQuantizer aq = dq.activation(activationQuantizer());
      DeviceTensor.Quantized form = clippingStep(dq, aq, sim.kernels(), scope);
      dq.endStep(b -> true); // no backward
      dq.beginStep(true);
      assertThat(words(form.mask())).containsOnly(0);
      dq.endStep(b -> true);
    }
  }
}

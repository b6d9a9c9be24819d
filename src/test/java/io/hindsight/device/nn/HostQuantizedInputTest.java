package io.hindsight.device.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.cuda.CudaBackend;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceTensor;
import io.hindsight.quant.QuantizationRecord;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.traffic.Route;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The model's input quantized by the host as it is uploaded ({@link Route.Feed#HOST}) is the same
 * quantization the device's quantizing pass would make of the uploaded floats: the same codes byte
 * for byte, the same statistics, the same records, in a dynamic warm-up step and in a static step
 * that clips and meets NaN and infinities; with stochastic rounding, whose numbers depend on the
 * element's index. The upload is the quantization's only device traffic: the codes and 16 bytes of
 * statistics per step.
 */
class HostQuantizedInputTest {
  private static final int[] SHAPE = {3, 1, 7, 9};
  private static final int N = 3 * 7 * 9;

  private static TensorQuantizer quantizer(Route.Feed feed) {
    TensorQuantizer q = new TensorQuantizer("conv1", QuantKind.ACTIVATION, QuantConfigReader
        .read("{\"activations\": {\"warmupSteps\": 1, \"rounding\": \"stochastic\", \"steClip\": false}}")
        .resolve("conv1", QuantKind.ACTIVATION), 5);
    q.route(new Route(feed, false, Route.WeightCopy.NONE));
    return q;
  }

  private static float[] images(long seed, float scale) {
    Rng rng = new Rng(seed);
    float[] x = new float[N];
    for (int i = 0; i < N; i++) {
      x[i] = scale * rng.nextFloat();
    }
    return x;
  }

  @Test
  void theHostWritesTheCodesAndStatisticsTheQuantizingPassWould() {
    try (CudaBackend sim = CudaBackend.simulated(1); DeviceQuantization onHost = new DeviceQuantization(sim.kernels());
        DeviceQuantization onDevice = new DeviceQuantization(sim.kernels());
        DeviceScope scope = sim.kernels().device().scope("test")) {
      TensorQuantizer hostQ = quantizer(Route.Feed.HOST);
      TensorQuantizer deviceQ = quantizer(Route.Feed.EXISTING_FLOATS);
      DeviceQuantization.ActivationQuantizer host = onHost.activation(hostQ);
      DeviceQuantization.ActivationQuantizer device = onDevice.activation(deviceQ);
      float[] clipping = images(2, 3f); // step 1 is static at step 0's range: about two thirds clip
      clipping[4] = Float.NaN;
      clipping[17] = Float.POSITIVE_INFINITY;
      clipping[18] = Float.NEGATIVE_INFINITY;
      float[][] steps = {images(1, 1f), clipping};
      StepContext ctx = new StepContext(sim.kernels(), scope);
      for (int s = 0; s < steps.length; s++) {
        onHost.beginStep(true);
        onDevice.beginStep(true);
        long before = sim.kernels().traffic().quantizationBytes();
        DeviceTensor.Quantized uploaded = host.upload(Tensor.of(steps[s].clone(), SHAPE), ctx).quantized(host);
        assertThat(sim.kernels().traffic().quantizationBytes() - before).as("step %d: the codes and statistics", s)
            .isEqualTo(N + 16);
        DeviceTensor floats = DeviceTensor.floats(scope, "images", SHAPE);
        floats.buffer().upload(steps[s]);
        DeviceTensor.Quantized passed = device.quantize(floats, ctx);
        byte[] a = new byte[N];
        byte[] b = new byte[N];
        uploaded.codes().download(a);
        passed.codes().download(b);
        assertThat(a).as("step %d codes", s).isEqualTo(b);
        assertThat(uploaded.params()).usingRecursiveComparison().isEqualTo(passed.params());
        onHost.endStep(r -> true);
        onDevice.endStep(r -> true);
        QuantizationRecord h = hostQ.last();
        QuantizationRecord d = deviceQ.last();
        assertThat(h).as("step %d record", s).usingRecursiveComparison()
            .ignoringFields("bytesMoved", "bytesMovedIfDynamic").isEqualTo(d);
        assertThat(h.bytesMoved()).as("charged the upload only").isEqualTo(N + 16);
        assertThat(h.bytesMovedIfDynamic()).isEqualTo(N + 16);
        assertThat(h.dynamic()).isEqualTo(s == 0);
      }
      assertThat(hostQ.last().clipped()).as("the static step clipped").isGreaterThan(N / 2);
      assertThat(hostQ.last().nonFinite()).isEqualTo(3);
      assertThat(sim.kernels().traffic().snapshot().get(DeviceQuantization.HOST_UPLOAD).bytesWritten())
          .isEqualTo(2L * (N + 16));
    }
  }

  @Test
  void onlyTheModelsInputIsQuantizedByTheHost() {
    try (CudaBackend sim = CudaBackend.simulated(1); DeviceQuantization dq = new DeviceQuantization(sim.kernels());
        DeviceScope scope = sim.kernels().device().scope("test")) {
      DeviceQuantization.ActivationQuantizer a = dq.activation(quantizer(Route.Feed.PRODUCER));
      dq.beginStep(true);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> a.upload(Tensor.of(images(1, 1f), SHAPE), new StepContext(sim.kernels(), scope)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("only the model's input");
    }
  }
}

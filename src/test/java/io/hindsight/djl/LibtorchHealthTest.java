package io.hindsight.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.ConvReference;
import io.hindsight.backend.CpuBackend;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.QuantHooks;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;

/** The probe's direct loop ({@link ConvReference}) must be right, or it could call a healthy libtorch broken. */
class LibtorchHealthTest {
  @Test
  void directInputGradientMatchesOurConvolution() {
    Rng rng = new Rng(7);
    Conv2d conv = new Conv2d("c", new CpuBackend(2), 3, 5, 3, 1, 1, 1, false, QuantHooks.NONE);
    TestData.randomize(conv, rng);
    Tensor x = TestData.normal(rng, 1, 2, 3, 6, 6); // (N, C, H, W)
    Tensor y = conv.forward(x, true);
    Tensor dY = TestData.normal(rng, 1, y.shape());
    float[] ours = conv.backward(dY.copy()).data();
    ConvGeometry g = new ConvGeometry(2, 3, 6, 6, 5, 3, 3, 1, 1, 1);
    double[] direct = ConvReference.compute(g, x.data(), conv.weight().value().data(), new float[g.outC()], dY.data())
        .dX();
    assertThat(direct).hasSize(ours.length);
    for (int i = 0; i < ours.length; i++) {
      assertThat((double) ours[i]).as("dX[%d]", i).isCloseTo(direct[i], within(1e-4));
    }
  }
}

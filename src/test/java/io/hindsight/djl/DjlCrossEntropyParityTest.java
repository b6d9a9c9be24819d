package io.hindsight.djl;

import static io.hindsight.djl.CloseAssert.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our mean softmax cross-entropy (loss and dLogits) against libtorch's log_softmax + autograd. */
class DjlCrossEntropyParityTest {

  @ParameterizedTest(name = "logit scale {0}")
  @ValueSource(doubles = {0.1, 3, 40})
  void lossAndLogitGradientMatchLibtorch(double scale) {
    Rng rng = new Rng(5 + (long) scale);
    int n = 6;
    int k = 10;
    Tensor logits = TestData.normal(rng, scale, n, k);
    int[] labels = TestData.labels(rng, n, k);

    SoftmaxCrossEntropy ours = new SoftmaxCrossEntropy();
    float loss = ours.forward(logits, labels);
    Tensor dLogits = ours.backward();

    try (NDManager m = TorchRuntime.engine().newBaseManager(ai.djl.Device.cpu())) {
      NDArray z = NdConvert.toNd(m, logits);
      z.setRequiresGradient(true);
      float torchLoss;
      try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
        NDArray l = DjlCrossEntropy.meanLoss(z, m.create(labels));
        gc.backward(l);
        torchLoss = l.getFloat();
      }
      assertThat((double) loss).as("mean loss").isCloseTo(torchLoss, offset(
          1e-5 + 1e-5 * Math.abs(torchLoss)));
      assertClose("dLogits", NdConvert.toTensor(z.getGradient()), dLogits, 1e-4, 1e-6);
    }
  }
}

package io.hindsight.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden bits of three SGD steps of small resnet20 and mobilenetv2 models on the CPU backend: the
 * loss and a checksum of every parameter, compared exactly. The build runs this class twice, with
 * the Vector API tiles and with {@code -Dhindsight.simd=false} (surefire execution
 * {@code scalar-fallback}), so it pins that both paths compute the same bits, and that speed work
 * on the CPU backend changes no result. The constants were produced by this same computation on
 * commit 656f796 (before the SIMD tile, ChannelSums and the chunked quantizers) and reproduced by
 * both paths since. If an intended arithmetic change moves them, take the new values from this
 * test's failure message, update the constants and say so in the commit.
 */
class ArithmeticGoldenTest {

  @ParameterizedTest(name = "{0} width {1}, {2} threads")
  @CsvSource({
      "resnet20, 0.5, 2, 0x1.bd2f78p0, 0x1.968da5f5788a8p8",
      "resnet20, 0.5, 3, 0x1.bd2f78p0, 0x1.968da5f5788a8p8",
      "mobilenetv2, 0.25, 2, 0x1.23a42ep1, 0x1.25f93b644827fp12"})
  void threeStepsReproduceTheirBits(String arch, double width, int threads, String loss, String checksum) {
    Backend be = new CpuBackend(threads);
    Model model = new ModelFactory(be, QuantHooksProvider.NONE, new Rng(0))
        .build(arch, width, 0.0, new int[] {1, 28, 28}, 10, new Rng(42));
    Rng data = new Rng(43);
    int batch = 16;
    float[] images = new float[batch * 28 * 28];
    for (int i = 0; i < images.length; i++) {
      images[i] = data.nextFloat() - 0.5f;
    }
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = data.nextInt(10);
    }
    Tensor x = Tensor.of(images, batch, 1, 28, 28);
    Sgd sgd = new Sgd(model.parameters(), 0.9, false, 5e-4);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    float last = 0;
    for (int step = 0; step < 3; step++) {
      last = ce.forward(model.forward(x, true), labels);
      model.backward(ce.backward());
      sgd.step(0.05);
    }
    double sum = 0;
    for (Parameter p : model.parameters()) {
      for (float v : p.value().data()) {
        sum += v;
      }
    }
    String got = "loss " + Float.toHexString(last) + ", checksum " + Double.toHexString(sum) + " ("
        + SimdSupport.describe() + ")";
    assertThat(Float.toHexString(last)).as(got).isEqualTo(loss);
    assertThat(Double.toHexString(sum)).as(got).isEqualTo(checksum);
  }
}

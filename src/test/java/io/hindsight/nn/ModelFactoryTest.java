package io.hindsight.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ModelFactoryTest {
  private final ModelFactory factory = new ModelFactory(new CpuBackend(2), QuantHooksProvider.NONE, new Rng(1));

  @ParameterizedTest
  @CsvSource({"mlp,1.0", "cnn,1.0", "resnet20,0.5", "mobilenetv2,0.5"})
  void buildsEveryArchitectureWithTheRightOutputShape(String arch, double width) {
    Model m = factory.build(arch, width, 0.1, new int[] {1, 28, 28}, 10, new Rng(2));
    Tensor x = Tensor.zeros(3, 1, 28, 28);
    new Rng(3).nextFloat();
    Tensor y = m.forward(x, true);
    assertThat(y.shape()).containsExactly(3, 10);
    Tensor dX = m.backward(Tensor.zeros(3, 10));
    assertThat(dX.shape()).containsExactly(3, 1, 28, 28);
    assertThat(m.namedParameters()).isNotEmpty();
  }

  @Test
  void resnet20HasTwentyWeightLayers() {
    Model m = factory.build("resnet20", 1.0, 0, new int[] {1, 28, 28}, 10, new Rng(2));
    long convs = m.leaves().stream().filter(l -> l instanceof Conv2d c && c.kernel() == 3).count();
    long fcs = m.leaves().stream().filter(l -> l instanceof Linear).count();
    assertThat(convs + fcs).isEqualTo(20);
    assertThat(m.parameterCount()).isBetween(260_000L, 290_000L);
  }

  @Test
  void mobilenetUsesDepthwiseConvolutions() {
    Model m = factory.build("mobilenetv2", 1.0, 0, new int[] {1, 28, 28}, 10, new Rng(2));
    assertThat(m.leaves()).anyMatch(l -> l instanceof Conv2d c && c.groups() == c.inChannels() && c.groups() > 1);
    assertThat(m.leaves()).anyMatch(l -> l instanceof Activation a && a.upper() == 6f);
  }

  @Test
  void sameSeedSameWeights() {
    Model a = factory.build("cnn", 1.0, 0, new int[] {1, 28, 28}, 10, new Rng(5));
    Model b = factory.build("cnn", 1.0, 0, new int[] {1, 28, 28}, 10, new Rng(5));
    assertThat(a.parameters().get(0).value().data()).containsExactly(b.parameters().get(0).value().data());
  }

  @Test
  void rejectsUnknownArchitectureAndBadShapes() {
    assertThatThrownBy(() -> factory.build("vgg", 1, 0, new int[] {1, 28, 28}, 10, new Rng(1)))
        .hasMessageContaining("unknown architecture 'vgg'");
    Model m = factory.build("mlp", 1, 0, new int[] {1, 28, 28}, 10, new Rng(1));
    assertThatThrownBy(() -> m.forward(Tensor.zeros(2, 1, 27, 28), true)).hasMessageContaining("fc1");
  }
}

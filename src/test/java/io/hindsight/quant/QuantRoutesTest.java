package io.hindsight.quant;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Residual;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.config.QuantizationConfig;
import io.hindsight.quant.traffic.Route;
import io.hindsight.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fused dataflow of resnet20 as {@link QuantRoutes} decides it (the device wires its kernels from it). */
class QuantRoutesTest {
  private static Map<String, QuantRoutes.Source> activations(String arch) {
    try (CpuBackend cpu = new CpuBackend(1)) {
      QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
      Model model = new ModelFactory(cpu, plan, new Rng(3)).build(arch, 0.25, 0, new int[] {1, 28, 28}, 10,
          new Rng(11));
      Map<String, QuantRoutes.Source> m = new TreeMap<>();
      QuantRoutes.of(model.root()).sources().forEach((q, s) -> {
        if (q.kind() == QuantKind.ACTIVATION) {
          m.put(q.name(), s);
        }
      });
      return m;
    }
  }

  @Test
  void aBlockWithAShortcutConvolutionGetsTwoSetsOfCodesFromTheBlockBefore() {
    Map<String, QuantRoutes.Source> a = activations("resnet20");
    // stage 2's first block: its input is stage 1's last block's output, read by the main branch's
    // and the shortcut convolution's quantizers only: the sum kernel writes both codes, no floats
    QuantRoutes.Source main = a.get("stage2.block0.conv1/activation");
    QuantRoutes.Source shortcut = a.get("stage2.block0.shortcut.conv/activation");
    assertThat(main.route().feed()).isEqualTo(Route.Feed.PRODUCER);
    assertThat(shortcut.route().feed()).isEqualTo(Route.Feed.PRODUCER_SECOND_CODES);
    assertThat(main.producer()).isInstanceOf(Residual.class).isSameAs(shortcut.producer());
    assertThat(main.producer().name()).isEqualTo("stage1.block2");
    assertThat(a.get("stage3.block0.shortcut.conv/activation").route().feed())
        .isEqualTo(Route.Feed.PRODUCER_SECOND_CODES);
    // an identity block's input is also read by its sum: the producer keeps the floats
    assertThat(a.get("stage2.block1.conv1/activation").route().feed()).isEqualTo(Route.Feed.PRODUCER_KEEPS_FLOATS);
    assertThat(a.get("stage1.block0.conv1/activation").route().feed()).isEqualTo(Route.Feed.PRODUCER_KEEPS_FLOATS);
    // the images, read by the first convolution alone: the host quantizes them as it uploads them
    assertThat(a.get("conv1/activation").route().feed()).isEqualTo(Route.Feed.HOST);
    assertThat(a.values().stream().filter(s -> s.route().feed() == Route.Feed.HOST)).hasSize(1);
    assertThat(a.values().stream().filter(s -> s.route().feed() == Route.Feed.EXISTING_FLOATS)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"resnet20, conv1", "cnn, conv1", "mobilenetv2, stem.conv", "mlp, fc1"})
  void theLayerReadingTheModelsInputComputesNoInputGradient(String arch, String first) {
    try (CpuBackend cpu = new CpuBackend(1)) {
      QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
      Model model = new ModelFactory(cpu, plan, new Rng(3)).build(arch, 0.25, 0, new int[] {1, 28, 28}, 10,
          new Rng(11));
      QuantRoutes routes = QuantRoutes.apply(model.root());
      List<Layer> quantized = new ArrayList<>();
      collect(model.root(), quantized);
      for (Layer l : quantized) {
        boolean isFirst = l.name().equals(first);
        LayerQuantHooks h = QuantRoutes.hooks(l);
        assertThat(routes.inputGradient(l)).as(l.name()).isEqualTo(!isFirst);
        // no input gradient: no STE mask over the input, no transposed weight codes for it
        assertThat(h.activationQuantizer().route().steMask()).as(l.name() + " mask").isEqualTo(!isFirst);
        // and the images are its alone: the host quantizes them
        assertThat(h.activationQuantizer().route().feed() == Route.Feed.HOST).as(l.name() + " host").isEqualTo(isFirst);
        if (isFirst) {
          assertThat(h.weightQuantizer().route().inputGradientWeights()).isEqualTo(Route.WeightCopy.NONE);
        }
      }
      assertThat(quantized).extracting(Layer::name).contains(first);
    }
  }

  private static void collect(Layer l, List<Layer> out) {
    if (QuantRoutes.hooks(l) != null) {
      out.add(l);
    }
    for (Layer c : l.children()) {
      collect(c, out);
    }
  }
}

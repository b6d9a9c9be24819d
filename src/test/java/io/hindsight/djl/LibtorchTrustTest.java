package io.hindsight.djl;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.model.Model;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which model comparisons stand down when libtorch is wrong for some of the model's shapes: only
 * those that need a wrong input gradient. (Whether libtorch is wrong depends on the machine; here
 * the wrong shapes are assumed.)
 */
class LibtorchTrustTest {
  @Test
  void onlyGradientsUpstreamOfAWrongConvolutionAndEverythingAfterTheUpdateStandDown() {
    Model resnet = DjlModelParityTest.build("resnet20", 0.25, 7);
    List<ConvGeometry> shapes = LibtorchSelfCheck.convolutionShapes(resnet);
    // resnet20 at width 0.25: stage 1 is 3x3 stride-1 convolutions with 4 output channels, the kind
    // libtorch got wrong on an AVX-512 machine
    List<ConvGeometry> stage1 = shapes.stream().filter(g -> g.outC() == 4 && g.kH() == 3 && g.stride() == 1).toList();
    assertThat(stage1).isNotEmpty();
    LibtorchTrust trust = LibtorchTrust.assuming(resnet, stage1);
    assertThat(trust.checkedShapes()).isEqualTo(shapes.size());

    List<String> names = new ArrayList<>(resnet.namedParameters().keySet());
    List<String> distrusted = names.stream().filter(n -> trust.distrustGradient(n).isPresent()).toList();
    assertThat(distrusted).contains(names.get(0)) // the stem convolution: every stage-1 gradient flows into it
        .allSatisfy(n -> assertThat(n).matches("(conv1|bn1|stage1\\.).*"))
        .hasSizeLessThan(names.size());
    assertThat(trust.distrustGradient(names.get(0)).orElseThrow()).contains("stage1.", "is wrong on this machine",
        "assumed wrong");
    assertThat(trust.distrustGradient(names.get(names.size() - 1))).as("the classifier needs no stage-1 gradient")
        .isEmpty();
    assertThat(names).anySatisfy(n -> assertThat(n).startsWith("stage1.").satisfies(
        x -> assertThat(trust.distrustGradient(x)).isEmpty())); // the last stage-1 convolution's own weights
    assertThat(trust.distrustAfterUpdate()).isPresent();

    LibtorchTrust healthy = LibtorchTrust.assuming(resnet, List.of());
    assertThat(names).allSatisfy(n -> assertThat(healthy.distrustGradient(n)).isEmpty());
    assertThat(healthy.distrustAfterUpdate()).isEmpty();
  }
}

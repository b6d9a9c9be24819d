package io.hindsight.djl;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which shapes a DJL baseline run probes, and how the per-shape probes add up. (Whether libtorch
 * passes depends on the machine: {@link LibtorchHealthTest} checks the loop it is judged against.)
 */
class LibtorchSelfCheckTest {
  private static Model build(String arch, double width) {
    return new ModelFactory(new CpuBackend(1), null, new Rng(1)).build(arch, width, 0, new int[] {1, 28, 28}, 10,
        new Rng(42));
  }

  @Test
  void probesEveryConvolutionButTheFirstLayersAtItsInputSize() {
    // cnn: conv1 (1 -> 32, 28x28) takes the image, whose gradient training never needs; conv2 after a 2x2 pool
    assertThat(LibtorchSelfCheck.convolutionShapes(build("cnn", 1.0)))
        .containsExactly(new ConvGeometry(2, 32, 14, 14, 64, 3, 3, 1, 1, 1));
    List<ConvGeometry> resnet = LibtorchSelfCheck.convolutionShapes(build("resnet20", 1.0));
    assertThat(resnet).doesNotHaveDuplicates().allSatisfy(g -> assertThat(g.n()).isEqualTo(2))
        .contains(new ConvGeometry(2, 16, 28, 28, 16, 3, 3, 1, 1, 1), // stage 1
            new ConvGeometry(2, 16, 28, 28, 32, 3, 3, 2, 1, 1), // stage 2 entry, stride 2
            new ConvGeometry(2, 16, 28, 28, 32, 1, 1, 2, 0, 1), // its 1x1 projection shortcut
            new ConvGeometry(2, 64, 7, 7, 64, 3, 3, 1, 1, 1)) // stage 3
        .noneMatch(g -> g.inC() == 1);
    assertThat(LibtorchSelfCheck.convolutionShapes(build("mobilenetv2", 1.0)))
        .anyMatch(g -> g.groups() == g.inC() && g.groups() > 1 && g.kH() == 3) // depthwise
        .anyMatch(g -> g.kH() == 1); // expand / project
    assertThat(LibtorchSelfCheck.convolutionShapes(build("mlp", 1.0))).isEmpty();
  }

  @Test
  void aModelPassesOnlyIfEveryShapeDoesAndReportsItsWorst() {
    List<ConvGeometry> shapes = LibtorchSelfCheck.convolutionShapes(build("resnet20", 0.25));
    double worst = 0;
    boolean all = true;
    for (ConvGeometry g : shapes) {
      LibtorchSelfCheck.Result one = LibtorchSelfCheck.check(List.of(g));
      assertThat(one.probe()).startsWith("x (2, " + g.inC() + ", " + g.inH() + ", " + g.inW() + ")");
      worst = Math.max(worst, one.maxError());
      all &= one.passed();
    }
    LibtorchSelfCheck.Result model = LibtorchSelfCheck.check(shapes);
    assertThat(model.maxError()).isEqualTo(worst);
    assertThat(model.passed()).isEqualTo(all).isEqualTo(worst <= LibtorchSelfCheck.TOLERANCE);
    assertThat(model.probe()).startsWith(shapes.size() + " convolution shapes, worst x (2, ");
    assertThat(model.describe()).contains(model.passed() ? "matches" : "DOES NOT match");
    assertThat(LibtorchSelfCheck.check(List.of())).isEqualTo(new LibtorchSelfCheck.Result(true, 0, "no convolutions"));
  }
}

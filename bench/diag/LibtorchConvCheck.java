import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.CpuBackend;
import io.hindsight.djl.LibtorchSelfCheck;
import io.hindsight.djl.TorchRuntime;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.util.Rng;
import java.util.List;
import java.util.Locale;

/**
 * Where is libtorch's convolution input gradient right on this machine? Runs the check that
 * {@code --engine djl} runs before training ({@link LibtorchSelfCheck}: libtorch against a direct
 * double-precision loop, batch 2, three calls per shape) on every architecture at width 1 and 0.25
 * (and cnn at 0.125), then on one 3x3 stride-1 convolution (4 input channels, 14x14) for a range of
 * output channel counts, and on the small shape the parity tests stand down on.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp "target/hindsight.jar:target/lib/*"
 * bench/diag/LibtorchConvCheck.java [THREADS]} (DJL_OFFLINE=true).
 */
public class LibtorchConvCheck {
  public static void main(String[] a) {
    TorchRuntime.engine(a.length > 0 ? Integer.parseInt(a[0]) : 1);
    System.out.println(TorchRuntime.describe());
    String[][] models = {{"cnn", "1"}, {"cnn", "0.25"}, {"cnn", "0.125"}, {"resnet20", "1"}, {"resnet20", "0.25"},
        {"mobilenetv2", "1"}, {"mobilenetv2", "0.25"}};
    for (String[] m : models) {
      Model model = new ModelFactory(new CpuBackend(1), null, new Rng(1))
          .build(m[0], Double.parseDouble(m[1]), 0, new int[] {1, 28, 28}, 10, new Rng(42));
      List<ConvGeometry> shapes = LibtorchSelfCheck.convolutionShapes(model);
      System.out.printf(Locale.ROOT, "%-12s width %-5s %2d shapes: %s%n", m[0], m[1], shapes.size(),
          LibtorchSelfCheck.check(shapes).describe());
    }
    for (int outC : new int[] {1, 2, 4, 8, 12, 15, 16, 24, 32}) {
      ConvGeometry g = new ConvGeometry(2, 4, 14, 14, outC, 3, 3, 1, 1, 1);
      System.out.printf(Locale.ROOT, "3x3 stride 1, %2d output channels: %s%n", outC,
          LibtorchSelfCheck.check(List.of(g)).describe());
    }
    System.out.println("parity-test probe: " + LibtorchSelfCheck.convInputGradient().describe());
  }
}

import io.hindsight.backend.CpuBackend;
import io.hindsight.data.IdxArray;
import io.hindsight.data.IdxReader;
import io.hindsight.djl.DjlModel;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.nio.file.Path;

/**
 * How fast do two float32 training trajectories drift apart? Trains three copies of one model on the
 * same first Fashion-MNIST batches (batch 128, SGD lr 0.05, momentum 0.9, wd 5e-4): ours, ours with
 * every initial weight scaled by (1 + rel * u), u uniform in [-1, 1], and libtorch (DJL) from our
 * unperturbed weights; prints each step's loss and the relative differences to ours.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp "target/hindsight.jar:target/lib/*"
 * bench/diag/TrajectoryDrift.java ARCH WIDTH REL} (DJL_OFFLINE=true), e.g. {@code mobilenetv2 1.0 1e-6}.
 */
public class TrajectoryDrift {
  public static void main(String[] a) throws Exception {
    String arch = a[0];
    double width = Double.parseDouble(a[1]);
    double rel = Double.parseDouble(a[2]);
    int steps = 6, B = 128;
    CpuBackend be = new CpuBackend(2);
    IdxArray img = IdxReader.readImages(Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"));
    IdxArray lab = IdxReader.readLabels(Path.of("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"));
    int[] in = {1, 28, 28};
    Model ours = new ModelFactory(be, QuantHooksProvider.NONE, new Rng(1)).build(arch, width, 0.0, in, 10, new Rng(42));
    Model pert = new ModelFactory(be, QuantHooksProvider.NONE, new Rng(1)).build(arch, width, 0.0, in, 10, new Rng(42));
    java.util.Random r = new java.util.Random(3);
    for (Parameter p : pert.parameters()) {
      float[] d = p.value().data();
      for (int i = 0; i < d.length; i++) d[i] = (float) (d[i] * (1 + rel * (2 * r.nextDouble() - 1)));
    }
    try (DjlModel torch = new DjlModel(ours, 0.9, false, 5e-4)) {
      Sgd s1 = new Sgd(ours.parameters(), 0.9, false, 5e-4);
      Sgd s2 = new Sgd(pert.parameters(), 0.9, false, 5e-4);
      SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
      for (int step = 0; step < steps; step++) {
        float[] x = new float[B * 784];
        int[] y = new int[B];
        for (int n = 0; n < B; n++) {
          int k = step * B + n;
          for (int i = 0; i < 784; i++) x[n * 784 + i] = ((img.values()[k * 784 + i] & 0xFF) / 255f - 0.2860f) / 0.3530f;
          y[n] = lab.values()[k];
        }
        Tensor l1 = ours.forward(Tensor.of(x.clone(), B, 1, 28, 28), true);
        float loss1 = ce.forward(l1, y);
        ours.backward(ce.backward());
        s1.step(0.05);
        Tensor l2 = pert.forward(Tensor.of(x.clone(), B, 1, 28, 28), true);
        float loss2 = ce.forward(l2, y);
        pert.backward(ce.backward());
        s2.step(0.05);
        float loss3 = torch.trainStep(x, y, B, 0.05);
        System.out.printf("step %d ours %.6f  ours-perturbed(%.0e) %.6f (rel %.2e)  libtorch %.6f (rel %.2e)%n", step + 1,
            loss1, rel, loss2, Math.abs(loss2 - loss1) / loss1, loss3, Math.abs(loss3 - loss1) / loss1);
      }
    }
  }
}

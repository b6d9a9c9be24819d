import io.hindsight.backend.CpuBackend;
import io.hindsight.data.Dataset;
import io.hindsight.data.DatasetLoader;
import io.hindsight.djl.DjlModel;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.Arrays;

/**
 * How fast do two float32 training trajectories drift apart? Trains three copies of one model on the
 * same first Fashion-MNIST batches (batch 128, SGD lr 0.05, momentum 0.9, wd 5e-4): ours, ours with
 * every initial weight scaled by (1 + rel * u), u uniform in [-1, 1], and libtorch (DJL) from our
 * unperturbed weights; prints the first step's gradient differences (ours vs libtorch, libtorch vs itself,
 * ours vs ours perturbed) and each step's loss with the relative differences to ours.
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
    Dataset train = DatasetLoader.load("fashion-mnist", null).train(); // normalized as in training
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
        float[] x = Arrays.copyOfRange(train.images(), step * B * 784, (step + 1) * B * 784); // (B, 1, 28, 28)
        int[] y = Arrays.copyOfRange(train.labels(), step * B, (step + 1) * B);
        Tensor l1 = ours.forward(Tensor.of(x.clone(), B, 1, 28, 28), true);
        float loss1 = ce.forward(l1, y);
        ours.backward(ce.backward());
        if (step == 0) { // first-step gradients from identical weights: ours vs libtorch
          try (DjlModel grads = new DjlModel(ours)) {
            io.hindsight.djl.StepResult ref = grads.forwardBackward(x, y, B, true);
            double global = 0;
            for (var e : ours.namedParameters().entrySet()) {
              for (float v : ref.gradient(e.getKey()).data()) global = Math.max(global, Math.abs(v));
            }
            // worst element difference relative to its own tensor's largest gradient, over the tensors whose
            // largest gradient is at least 1 % of the model's (others are mathematically ~0: rounding noise)
            double worst = 0, worstGlobal = 0;
            String where = "";
            for (var e : ours.namedParameters().entrySet()) {
              float[] o = e.getValue().grad().data();
              float[] t = ref.gradient(e.getKey()).data();
              double max = 0, diff = 0;
              for (int i = 0; i < o.length; i++) {
                max = Math.max(max, Math.abs(t[i]));
                diff = Math.max(diff, Math.abs(t[i] - o[i]));
              }
              worstGlobal = Math.max(worstGlobal, diff / global);
              if (max >= 0.01 * global && diff / max > worst) {
                worst = diff / max;
                where = e.getKey();
              }
            }
            io.hindsight.djl.StepResult again = grads.forwardBackward(x, y, B, true);
            double self = 0;
            for (var e : ours.namedParameters().entrySet()) {
              float[] t1 = ref.gradient(e.getKey()).data();
              float[] t2 = again.gradient(e.getKey()).data();
              for (int i = 0; i < t1.length; i++) self = Math.max(self, Math.abs(t1[i] - t2[i]) / global);
            }
            System.out.printf("step 1 gradients, libtorch vs libtorch (same call twice): max|diff| / model's max|grad| %.2e%n", self);
            System.out.printf("step 1 gradients, ours vs libtorch: max|diff| / model's max|grad| %.2e; "
                + "worst tensor (max|grad| >= 1%% of the model's): max|diff| / its max|grad| %.2e (%s)%n",
                worstGlobal, worst, where);
          }
        }
        Tensor l2 = pert.forward(Tensor.of(x.clone(), B, 1, 28, 28), true);
        float loss2 = ce.forward(l2, y);
        pert.backward(ce.backward());
        if (step == 0) { // the same comparison for our own model with perturbed weights (before either steps)
          double global = 0, worst = 0;
          for (var e : ours.namedParameters().entrySet()) {
            for (float v : e.getValue().grad().data()) global = Math.max(global, Math.abs(v));
          }
          for (var e : ours.namedParameters().entrySet()) {
            float[] o = e.getValue().grad().data();
            float[] q = pert.namedParameters().get(e.getKey()).grad().data();
            for (int i = 0; i < o.length; i++) worst = Math.max(worst, Math.abs(o[i] - q[i]) / global);
          }
          System.out.printf("step 1 gradients, ours vs ours perturbed: max|diff| / model's max|grad| %.2e%n", worst);
        }
        s1.step(0.05);
        s2.step(0.05);
        float loss3 = torch.trainStep(x, y, B, 0.05);
        System.out.printf("step %d ours %.6f  ours-perturbed(%.0e) %.6f (rel %.2e)  libtorch %.6f (rel %.2e)%n", step + 1,
            loss1, rel, loss2, Math.abs(loss2 - loss1) / loss1, loss3, Math.abs(loss3 - loss1) / loss1);
      }
    }
  }
}

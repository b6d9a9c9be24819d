package io.hindsight.djl;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.model.Model;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which comparisons of a model with libtorch can be trusted on this machine. libtorch is our
 * reference, but on some CPUs its convolution input gradient is wrong for some shapes ({@link
 * LibtorchSelfCheck}); this checks exactly the convolution shapes of the model at hand and says, for
 * each comparison, whether it depends on one of the wrong ones:
 *
 * <ul>
 *   <li>forward passes (logits and loss of the first step, BatchNorm statistics it updates) use no
 *       input gradient: always trusted;
 *   <li>a parameter's gradient (and its value after the first update) needs the input gradient of
 *       every convolution after its layer (in execution order, which for a residual block may also
 *       count the other branch: it errs on the side of standing down);
 *   <li>everything after the first update (later losses, parameters, statistics, evaluation logits)
 *       depends on every parameter, so it is trusted only if no shape of the model is wrong.
 * </ul>
 *
 * A comparison that is not trusted is stood down with the reason, never silently passed.
 */
final class LibtorchTrust {
  /** For each leaf in execution order, the reason its input gradient is wrong, or null. */
  private final List<String> wrongInputGradient;
  private final Map<String, Integer> leafOfParameter;
  private final int checkedShapes;

  private LibtorchTrust(List<String> wrongInputGradient, Map<String, Integer> leafOfParameter, int checkedShapes) {
    this.wrongInputGradient = wrongInputGradient;
    this.leafOfParameter = leafOfParameter;
    this.checkedShapes = checkedShapes;
  }

  /** Probes libtorch on every convolution shape of {@code model} (batch {@link LibtorchSelfCheck#PROBE_BATCH}). */
  static LibtorchTrust of(Model model) {
    return judge(model, g -> LibtorchSelfCheck.check(List.of(g)));
  }

  /** As if exactly {@code wrong} were the shapes libtorch gets wrong (to test the planning itself). */
  static LibtorchTrust assuming(Model model, List<ConvGeometry> wrong) {
    return judge(model, g -> wrong.contains(g) ? new LibtorchSelfCheck.Result(false, 1, "assumed wrong")
        : new LibtorchSelfCheck.Result(true, 0, "assumed right"));
  }

  private static LibtorchTrust judge(Model model, Function<ConvGeometry, LibtorchSelfCheck.Result> check) {
    List<ConvGeometry> shapes = LibtorchSelfCheck.convolutionShapes(model); // also records each layer's geometry
    List<Layer> leaves = model.leaves();
    List<String> wrong = new ArrayList<>();
    Map<String, Integer> leafOf = new HashMap<>();
    for (int i = 0; i < leaves.size(); i++) {
      Layer leaf = leaves.get(i);
      String reason = null;
      // the first layer's input is the image: training never asks for its gradient
      if (i > 0 && leaf instanceof Conv2d c && c.lastGeometry() != null) {
        ConvGeometry g = c.lastGeometry();
        LibtorchSelfCheck.Result r = check.apply(new ConvGeometry(LibtorchSelfCheck.PROBE_BATCH, g.inC(), g.inH(),
            g.inW(), g.outC(), g.kH(), g.kW(), g.stride(), g.padding(), g.groups()));
        if (!r.passed()) {
          reason = "libtorch's input gradient of " + leaf.name() + " is wrong on this machine (" + r.describe() + ")";
        }
      }
      wrong.add(reason);
      for (Parameter p : leaf.parameters()) {
        leafOf.put(p.name(), i);
      }
    }
    return new LibtorchTrust(wrong, leafOf, shapes.size());
  }

  /** How many distinct convolution shapes were checked. */
  int checkedShapes() {
    return checkedShapes;
  }

  /** Why the gradient of {@code parameter} (and its first update) cannot be compared, if it cannot. */
  Optional<String> distrustGradient(String parameter) {
    Integer leaf = leafOfParameter.get(parameter);
    if (leaf == null) {
      throw new IllegalArgumentException("no parameter " + parameter);
    }
    for (int j = leaf + 1; j < wrongInputGradient.size(); j++) {
      if (wrongInputGradient.get(j) != null) {
        return Optional.of(wrongInputGradient.get(j));
      }
    }
    return Optional.empty();
  }

  /** Why nothing after the first update can be compared, if it cannot: some gradient was wrong. */
  Optional<String> distrustAfterUpdate() {
    return wrongInputGradient.stream().filter(r -> r != null).findFirst();
  }
}

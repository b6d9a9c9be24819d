package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.model.Model;
import io.hindsight.nn.Buffer;
import io.hindsight.nn.Parameter;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Moves run state between live objects and a {@link Checkpoint}: tensor names are {@code param/}, {@code buffer/}, {@code momentum/} + the parameter or buffer name. */
final class CheckpointState {
  private CheckpointState() {}

  static Checkpoint capture(String specJson, int epoch, int batch, long globalStep, Rng rng,
      List<EpochMetrics> finished, Checkpoint.EpochAccumulator acc, Model model, Sgd sgd,
      List<TrainingPlugin> plugins) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Parameter p : model.parameters()) {
      tensors.put("param/" + p.name(), p.value());
    }
    for (Buffer b : model.buffers()) {
      tensors.put("buffer/" + b.name(), b.value());
    }
    for (Map.Entry<String, Tensor> e : sgd.state().entrySet()) {
      tensors.put("momentum/" + e.getKey(), e.getValue());
    }
    Map<String, JsonNode> ext = new LinkedHashMap<>();
    for (TrainingPlugin p : plugins) {
      JsonNode s = p.saveState();
      if (s != null) {
        ext.put(p.name(), s);
      }
    }
    return new Checkpoint(specJson, epoch, batch, globalStep, rng.state(), List.copyOf(finished), acc, tensors, ext);
  }

  static void restore(Checkpoint c, Model model, Sgd sgd, Rng rng, List<TrainingPlugin> plugins) {
    restoreModel(c, model, plugins);
    Map<String, Tensor> t = c.tensors();
    Map<String, Tensor> momentum = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : t.entrySet()) {
      if (e.getKey().startsWith("momentum/")) {
        momentum.put(e.getKey().substring("momentum/".length()), e.getValue());
      }
    }
    sgd.restore(momentum);
    rng.restore(c.rngState());
  }

  /** The model's parameters and buffers and the plugins' state (no optimizer, no data order). */
  static void restoreModel(Checkpoint c, Model model, List<TrainingPlugin> plugins) {
    Map<String, Tensor> t = c.tensors();
    for (Parameter p : model.parameters()) {
      copy(t, "param/" + p.name(), p.value());
    }
    for (Buffer b : model.buffers()) {
      copy(t, "buffer/" + b.name(), b.value());
    }
    for (TrainingPlugin p : plugins) {
      JsonNode s = c.extensions().get(p.name());
      if (s != null) {
        p.restoreState(s);
      }
    }
  }

  private static void copy(Map<String, Tensor> tensors, String name, Tensor into) {
    Tensor src = tensors.get(name);
    if (src == null) {
      throw new IllegalArgumentException("checkpoint has no tensor " + name);
    }
    if (!src.sameShape(into)) {
      throw new IllegalArgumentException("checkpoint tensor " + name + " has shape " + src + ", model needs " + into);
    }
    into.copyFrom(src);
  }
}

package io.hindsight.train;

import io.hindsight.backend.Backend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.util.Rng;
import java.util.List;

/**
 * A finished run's model rebuilt from its checkpoint, ready for evaluation-mode forwards: the
 * architecture of the checkpoint's spec with its trained parameters and buffers (BatchNorm running
 * statistics) and, for a quantized run, every quantizer with its checkpointed range-estimator state,
 * so that {@code model.forward(x, false)} computes exactly what the trainer's evaluation computed.
 * Exports ({@code io.hindsight.onnx}) and the service's artifacts start here.
 *
 * @param spec the run's resolved spec
 * @param model the restored model; its Linear/Conv2d layers carry their quantizers when {@code spec.quantized()}
 */
public record TrainedModel(ResolvedSpec spec, Model model) {
  /**
   * {@code (C, H, W)} of one image of every dataset a spec can name (Fashion-MNIST, MNIST and the
   * synthetic task: 28x28 grey-scale); {@link DatasetShape#CLASSES} classes.
   */
  public static final class DatasetShape {
    public static final int[] IMAGE = {1, 28, 28};
    public static final int CLASSES = 10;

    private DatasetShape() {}
  }

  /**
   * Rebuilds the model of checkpoint {@code c} on {@code backend} (used only to construct layers;
   * the caller closes it).
   *
   * @throws IllegalArgumentException when the checkpoint's spec or tensors do not fit together
   */
  public static TrainedModel restore(Checkpoint c, Backend backend) {
    ResolvedSpec spec = JobSpecs.parseAndResolve(c.specJson());
    QuantizationPlugin quantization = spec.quantized()
        ? new QuantizationPlugin(spec.quantization(), spec.training().seed(), null, spec.output().rangeEvery())
        : null;
    QuantHooksProvider hooks = quantization == null ? QuantHooksProvider.NONE : quantization.hooks();
    Model model = new ModelFactory(backend, hooks, Rng.derive(spec.training().seed(), 2)).build(spec.model().arch(),
        spec.model().width(), spec.model().dropout(), DatasetShape.IMAGE, DatasetShape.CLASSES,
        Rng.derive(spec.training().seed(), 1));
    List<TrainingPlugin> plugins = quantization == null ? List.of() : List.of(quantization);
    for (TrainingPlugin p : plugins) {
      p.onModelBuilt(model);
    }
    if (quantization != null && !c.extensions().containsKey(quantization.name())) {
      throw new IllegalArgumentException("the checkpoint of a quantized run holds no quantization state");
    }
    CheckpointState.restoreModel(c, model, plugins);
    return new TrainedModel(spec, model);
  }
}

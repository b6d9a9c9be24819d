package io.hindsight.quant;

import io.hindsight.model.Model;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Linear;
import java.util.List;

/** The names of a model's quantizable layers (Linear and Conv2d), e.g. to validate per-layer overrides. */
public final class QuantizableLayers {
  private QuantizableLayers() {}

  /** Names of the Linear and Conv2d leaves of {@code model}, in execution order. */
  public static List<String> names(Model model) {
    return model.leaves().stream().filter(QuantizableLayers::isQuantizable).map(Layer::name).toList();
  }

  public static boolean isQuantizable(Layer layer) {
    return layer instanceof Linear || layer instanceof Conv2d;
  }
}

package io.hindsight.nn;

import io.hindsight.backend.Backend;

/** Gives each quantizable layer (Linear, Conv2d) its hooks, by the layer's hierarchical name. */
@FunctionalInterface
public interface QuantHooksProvider {

  /** Full precision everywhere. */
  QuantHooksProvider NONE = layerName -> QuantHooks.NONE;

  QuantHooks forLayer(String layerName);

  /** The hooks of a layer that computes on {@code backend} (whose threads the hooks may use). */
  default QuantHooks forLayer(String layerName, Backend backend) {
    return forLayer(layerName);
  }
}

package io.hindsight.nn;

/** Gives each quantizable layer (Linear, Conv2d) its hooks, by the layer's hierarchical name. */
@FunctionalInterface
public interface QuantHooksProvider {

  /** Full precision everywhere. */
  QuantHooksProvider NONE = layerName -> QuantHooks.NONE;

  QuantHooks forLayer(String layerName);
}

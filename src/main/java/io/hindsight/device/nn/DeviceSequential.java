package io.hindsight.device.nn;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import java.util.List;

/** A chain of device layers: forward in order, backward in reverse. */
final class DeviceSequential implements DeviceLayer {
  private final String name;
  private final List<DeviceLayer> layers;

  DeviceSequential(String name, List<DeviceLayer> layers) {
    this.name = name;
    this.layers = List.copyOf(layers);
  }

  @Override
  public String name() {
    return name;
  }

  List<DeviceLayer> layers() {
    return layers;
  }

  /**
   * Forward in order. Without training no layer keeps its input for a backward, so each
   * intermediate output is freed once the next layer has used it (not the chain's input, which the
   * caller owns, nor one the next layer's output shares).
   */
  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    DeviceTensor h = x;
    for (DeviceLayer l : layers) {
      DeviceTensor y = l.forward(h, training, step);
      if (!training && h != x) {
        release(step, h, y);
      }
      h = y;
    }
    return h;
  }

  /**
   * Backward in reverse; each intermediate gradient is freed once the layer before has used it (not
   * the chain's incoming gradient, which the caller owns, nor one the layer's result shares). A
   * layer that returns no input gradient (the one reading the model's input) ends the chain: no
   * layer before it needs one; the chain returns null.
   */
  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    DeviceTensor g = dY;
    for (int i = layers.size() - 1; i >= 0 && g != null; i--) {
      DeviceTensor next = layers.get(i).backward(g, step);
      if (g != dY) {
        release(step, g, next);
      }
      g = next;
    }
    return g;
  }

  /** Frees {@code dead}'s buffers that the step's scope made and {@code kept} (nullable) does not share. */
  private static void release(StepContext step, DeviceTensor dead, DeviceTensor kept) {
    for (DeviceBuffer b : dead.buffers()) {
      if (kept == null || !kept.shares(b)) {
        step.scope().release(b);
      }
    }
  }
}

package io.hindsight.device.nn;

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

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    DeviceTensor h = x;
    for (DeviceLayer l : layers) {
      h = l.forward(h, training, step);
    }
    return h;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    DeviceTensor g = dY;
    for (int i = layers.size() - 1; i >= 0; i--) {
      g = layers.get(i).backward(g, step);
    }
    return g;
  }
}

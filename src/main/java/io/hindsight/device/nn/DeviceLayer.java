package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;

/**
 * A layer on the device with a paired forward and backward (the device twin of
 * {@link io.hindsight.nn.Layer}): {@link #forward} saves what {@link #backward} needs (in the step's
 * scope), {@link #backward} writes its parameters' gradients (overwriting) and returns {@code dX}.
 */
public interface DeviceLayer {

  String name();

  DeviceTensor forward(DeviceTensor x, boolean training, StepContext step);

  DeviceTensor backward(DeviceTensor dY, StepContext step);
}

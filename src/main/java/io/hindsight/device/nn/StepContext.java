package io.hindsight.device.nn;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceTensor;

/**
 * What a device layer needs for one forward/backward pass: the kernels and the scope that owns
 * this pass's activations and scratch (freed when the step ends).
 */
public record StepContext(CudaKernels kernels, DeviceScope scope) {

  /** A new float32 tensor in this step's scope. */
  public DeviceTensor floats(String label, int... shape) {
    return DeviceTensor.floats(scope, label, shape);
  }
}

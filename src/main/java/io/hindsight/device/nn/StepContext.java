package io.hindsight.device.nn;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceScratch;
import io.hindsight.device.DeviceTensor;
import io.hindsight.device.Intermediates;

/**
 * What a device layer needs for one forward/backward pass: the kernels, the scope that owns this
 * pass's activations (freed when the step ends), and the scratch shared by all layers for
 * intermediates that live within one layer's kernels (null: those come from the scope too).
 */
public record StepContext(CudaKernels kernels, DeviceScope scope, DeviceScratch scratch) implements Intermediates {

  /** A context whose intermediates come from {@code scope}. */
  public StepContext(CudaKernels kernels, DeviceScope scope) {
    this(kernels, scope, null);
  }

  /**
   * {@code bytes} for an intermediate that lives only within the caller's kernels: the scratch slot
   * {@code slot} (valid until the slot's next request), or a new buffer of the step's scope.
   */
  @Override
  public DeviceBuffer intermediate(String slot, long bytes, String label) {
    return scratch != null ? scratch.get(slot, bytes) : scope.allocate(bytes, label);
  }

  /** A new float32 tensor in this step's scope. */
  public DeviceTensor floats(String label, int... shape) {
    return DeviceTensor.floats(scope, label, shape);
  }
}

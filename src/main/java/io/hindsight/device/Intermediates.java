package io.hindsight.device;

/**
 * Where a sequence of kernels gets buffers for intermediates that live only within it (a
 * convolution's columns and column gradient): a {@link DeviceScratch} slot shared across layers, or
 * a new buffer of a scope.
 */
@FunctionalInterface
public interface Intermediates {
  /**
   * {@code bytes} bytes (uninitialised) for the intermediate {@code slot}, valid until the slot's
   * next request; {@code label} names a buffer allocated for it alone.
   */
  DeviceBuffer intermediate(String slot, long bytes, String label);

  /** Every intermediate a new buffer of {@code scope}. */
  static Intermediates of(DeviceScope scope) {
    return (slot, bytes, label) -> scope.allocate(bytes, label);
  }
}

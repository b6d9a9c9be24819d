package io.hindsight.device;

import java.util.HashMap;
import java.util.Map;

/**
 * Reusable device buffers for intermediates that live only within one layer's sequence of kernels
 * (a convolution's column gradient between its GEMM and col2im, the transposed gradient codes of its
 * backward): one buffer per named slot, grown to the largest request, shared by every layer and
 * every step. Safe because a device runs its launches in issue order (one stream): a later layer's
 * kernels that overwrite the slot start after the earlier layer's kernels that read it. A buffer
 * handed out is valid until the next request for the same slot. Without it each layer's
 * intermediates stay allocated until its step ends, and the step's peak memory is their sum.
 * Whoever creates it closes it; growing a slot frees its smaller buffer ({@link DeviceScope#release}).
 */
public final class DeviceScratch implements AutoCloseable {
  private final DeviceScope scope;
  private final Map<String, DeviceBuffer> slots = new HashMap<>();

  public DeviceScratch(Device device, String name) {
    this.scope = device.scope(name);
  }

  /** The slot's buffer with at least {@code bytes} bytes (uninitialised); valid until the slot's next request. */
  public DeviceBuffer get(String slot, long bytes) {
    DeviceBuffer b = slots.get(slot);
    if (b == null || b.bytes() < bytes) {
      if (b != null) {
        scope.release(b);
      }
      b = scope.allocate(bytes, slot);
      slots.put(slot, b);
    }
    return b.slice(0, bytes);
  }

  /** Bytes held by all slots. */
  public long allocatedBytes() {
    return scope.allocatedBytes();
  }

  /** Frees every slot's buffer. */
  @Override
  public void close() {
    slots.clear();
    scope.close();
  }
}

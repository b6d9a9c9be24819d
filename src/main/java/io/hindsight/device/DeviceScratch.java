package io.hindsight.device;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reusable device buffers for intermediates that live only within one layer's sequence of kernels
 * (a convolution's column gradient between its GEMM and col2im, the transposed gradient codes of its
 * backward): one buffer per named slot, grown to the largest request, shared by every layer and
 * every step. Safe because a device runs its launches in issue order (one stream): a later layer's
 * kernels that overwrite the slot start after the earlier layer's kernels that read it. A buffer
 * handed out is valid until the next request for the same slot. Without it each layer's
 * intermediates stay allocated until its step ends, and the step's peak memory is their sum.
 * Whoever creates it closes it; each slot's buffer lives in a scope of its own so that growing
 * frees the smaller one.
 */
public final class DeviceScratch implements AutoCloseable {
  private record Slot(DeviceScope scope, DeviceBuffer buffer) {}

  private final Device device;
  private final String name;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private boolean closed;

  public DeviceScratch(Device device, String name) {
    this.device = device;
    this.name = name;
  }

  /** The slot's buffer with at least {@code bytes} bytes (uninitialised); valid until the slot's next request. */
  public DeviceBuffer get(String slot, long bytes) {
    if (closed) {
      throw new DeviceException("device scratch '" + name + "' is closed; cannot provide " + slot);
    }
    Slot s = slots.get(slot);
    if (s == null || s.buffer().bytes() < bytes) {
      if (s != null) {
        s.scope().close();
      }
      DeviceScope scope = device.scope(name + " " + slot);
      s = new Slot(scope, scope.allocate(bytes, "scratch"));
      slots.put(slot, s);
    }
    return s.buffer().slice(0, bytes);
  }

  /** Bytes held by all slots. */
  public long allocatedBytes() {
    long b = 0;
    for (Slot s : slots.values()) {
      b += s.buffer().bytes();
    }
    return b;
  }

  /** Frees every slot's buffer; the first failure is rethrown after all were tried. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    for (Slot s : slots.values()) {
      try {
        s.scope().close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    slots.clear();
    if (first != null) {
      throw first;
    }
  }
}

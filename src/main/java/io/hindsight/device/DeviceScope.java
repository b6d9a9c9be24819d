package io.hindsight.device;

import java.util.ArrayList;
import java.util.List;

/**
 * Owned device memory: every buffer allocated through a scope is freed when the scope closes, so
 * {@code try (DeviceScope s = device.scope("step")) { ... }} releases everything on every path,
 * also when a kernel or a copy throws. Labels are prefixed with the scope's name.
 */
public final class DeviceScope implements AutoCloseable {
  private final Device device;
  private final String name;
  private final List<DeviceBuffer> buffers = new ArrayList<>();
  private long bytes;
  private boolean closed;

  public DeviceScope(Device device, String name) {
    this.device = device;
    this.name = name;
  }

  public Device device() {
    return device;
  }

  public String name() {
    return name;
  }

  /** Allocates {@code bytes} bytes (uninitialised, 256-byte aligned) labelled {@code <scope>: <label>}. */
  public DeviceBuffer allocate(long bytes, String label) {
    if (closed) {
      throw new DeviceException("device scope '" + name + "' is closed; cannot allocate " + label);
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation of " + bytes + " bytes for " + label);
    }
    DeviceBuffer b = device.allocate(bytes, name + ": " + label);
    buffers.add(b);
    this.bytes += b.bytes();
    return b;
  }

  public DeviceBuffer floats(long count, String label) {
    return allocate(4L * count, label);
  }

  public DeviceBuffer ints(long count, String label) {
    return allocate(4L * count, label);
  }

  public DeviceBuffer bytes(long count, String label) {
    return allocate(count, label);
  }

  public DeviceBuffer doubles(long count, String label) {
    return allocate(8L * count, label);
  }

  /** An unlabelled allocation (labelled {@code <scope>: buffer}); prefer a label that names the tensor. */
  public DeviceBuffer allocate(long bytes) {
    return allocate(bytes, "buffer");
  }

  public DeviceBuffer floats(long count) {
    return floats(count, "floats");
  }

  public DeviceBuffer ints(long count) {
    return ints(count, "ints");
  }

  public DeviceBuffer bytes(long count) {
    return bytes(count, "bytes");
  }

  public DeviceBuffer upload(float[] host) {
    return upload(host, "floats");
  }

  public DeviceBuffer upload(byte[] host) {
    return upload(host, "bytes");
  }

  public DeviceBuffer upload(int[] host) {
    return upload(host, "ints");
  }

  /** A new buffer holding a copy of {@code host}. */
  public DeviceBuffer upload(float[] host, String label) {
    DeviceBuffer b = floats(host.length, label);
    b.upload(host);
    return b;
  }

  public DeviceBuffer upload(byte[] host, String label) {
    DeviceBuffer b = bytes(host.length, label);
    b.upload(host);
    return b;
  }

  public DeviceBuffer upload(int[] host, String label) {
    DeviceBuffer b = ints(host.length, label);
    b.upload(host);
    return b;
  }

  /** Bytes allocated through this scope. */
  /**
   * Frees the allocation {@code buffer} belongs to (a slice frees its whole allocation) now, if this
   * scope made it; returns whether it did. For tensors dead before the scope ends (a gradient its
   * consumer has used); launches already issued that read it run first on the device's one stream.
   */
  public boolean release(DeviceBuffer buffer) {
    if (closed) {
      return false;
    }
    for (int i = buffers.size() - 1; i >= 0; i--) {
      DeviceBuffer b = buffers.get(i);
      if (b.id() == buffer.id() && b.device() == buffer.device()) {
        buffers.remove(i);
        bytes -= b.bytes();
        device.free(b);
        return true;
      }
    }
    return false;
  }

  public long allocatedBytes() {
    return bytes;
  }

  /** Frees every buffer of the scope, newest first; the first failure is rethrown after all were tried. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    for (int i = buffers.size() - 1; i >= 0; i--) {
      try {
        device.free(buffers.get(i));
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    buffers.clear();
    if (first != null) {
      throw first;
    }
  }
}

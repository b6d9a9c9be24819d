package io.hindsight.cuda;

import static io.hindsight.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemAlloc;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * Scoped device memory: every buffer allocated here is freed when the arena closes, so
 * {@code try (DeviceArena a = ctx.arena()) { ... }} releases everything even when a kernel or a
 * copy throws.
 */
public final class DeviceArena implements AutoCloseable {
  private final CudaContext ctx;
  private final List<DeviceBuffer> buffers = new ArrayList<>();
  private long bytes;
  private boolean closed;

  DeviceArena(CudaContext ctx) {
    this.ctx = ctx;
  }

  /** Allocates {@code bytes} bytes (uninitialised, 256-byte aligned). */
  public DeviceBuffer allocate(long bytes) {
    if (closed) {
      throw new IllegalStateException("arena is closed");
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation: " + bytes);
    }
    ctx.bind();
    CUdeviceptr p = new CUdeviceptr();
    long n = Math.max(bytes, 4); // cuMemAlloc rejects 0 bytes
    check("cuMemAlloc(" + n + " bytes)", cuMemAlloc(p, n));
    DeviceBuffer b = new DeviceBuffer(ctx, p, n);
    buffers.add(b);
    this.bytes += n;
    ctx.allocated(n);
    return b;
  }

  public DeviceBuffer floats(long count) {
    return allocate(4L * count);
  }

  public DeviceBuffer bytes(long count) {
    return allocate(count);
  }

  public DeviceBuffer ints(long count) {
    return allocate(4L * count);
  }

  /** A new buffer holding a copy of {@code host}. */
  public DeviceBuffer upload(float[] host) {
    DeviceBuffer b = floats(host.length);
    b.upload(host);
    return b;
  }

  public DeviceBuffer upload(byte[] host) {
    DeviceBuffer b = bytes(host.length);
    b.upload(host);
    return b;
  }

  public DeviceBuffer upload(int[] host) {
    DeviceBuffer b = ints(host.length);
    b.upload(host);
    return b;
  }

  /** Bytes allocated by this arena. */
  public long allocatedBytes() {
    return bytes;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CudaException first = null;
    for (int i = buffers.size() - 1; i >= 0; i--) {
      try {
        buffers.get(i).free();
      } catch (CudaException e) {
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

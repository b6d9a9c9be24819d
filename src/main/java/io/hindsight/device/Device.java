package io.hindsight.device;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * A compute device as the kernels see it: memory, copies, kernel launches, synchronization. The
 * CUDA backend's whole host path (allocation, copies and the sequence of launches with their real
 * arguments) goes through this interface, so the same path runs on a GPU ({@code CudaDevice}) and
 * on the {@link io.hindsight.device.sim.SoftwareDevice}.
 *
 * <p>Launches are asynchronous on one stream, in order; copies to the host wait for them.
 * Whoever opens a device closes it; memory is owned by {@link DeviceScope}s, which free it on
 * every path.
 */
public interface Device extends AutoCloseable {

  /** {@code cuda} for a GPU, {@code software} for the software device. */
  String kind();

  /** The device in words, e.g. the GPU's name, compute capability and driver. */
  String name();

  /** Streaming multiprocessors (grid sizing of grid-stride kernels). */
  int multiprocessors();

  /** Compute capability major version (which kernels may run, e.g. tensor-core INT8 needs 8). */
  int computeCapabilityMajor();

  /**
   * Allocates {@code bytes} bytes (at least 4; 256-byte aligned), labelled for messages. Prefer
   * {@link DeviceScope#allocate}, which frees what it allocated when it closes.
   */
  DeviceBuffer allocate(long bytes, String label);

  /** Frees an allocation (not a slice); using it afterwards is an error. */
  void free(DeviceBuffer allocation);

  /** Copies the host buffer's remaining elements to {@code dst} at byte offset {@code dstOffset}. */
  void copyIn(DeviceBuffer dst, long dstOffset, Buffer src);

  /** Copies {@code dst.remaining()} elements from {@code src} at byte offset {@code srcOffset} to the host. */
  void copyOut(DeviceBuffer src, long srcOffset, Buffer dst);

  /** Copies {@code bytes} bytes between device buffers (enqueued in order with launches). */
  void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes);

  /** Enqueues a kernel launch; its arguments are checked against the kernel's signature. */
  void launch(KernelLaunch launch);

  /** Waits for every enqueued launch and copy; surfaces asynchronous errors. */
  void synchronize();

  /** The device's activity counters. */
  DeviceCounters counters();

  /** Restarts the peak memory counter from the live bytes. */
  void resetPeak();

  /**
   * Marks the start of the launches a profiler started with {@code --profile-from-start off}
   * (Nsight Compute) records; devices without one ignore it.
   */
  default void profilerStart() {}

  /** Ends the range {@link #profilerStart()} began. */
  default void profilerStop() {}

  /** A new scope whose allocations are freed when it closes. */
  default DeviceScope scope(String name) {
    return new DeviceScope(this, name);
  }

  /** Releases the device (context, modules, cached memory). */
  @Override
  void close();

  /** The size in bytes of a host buffer's remaining elements. */
  static long hostBytes(Buffer b) {
    int size;
    if (b instanceof FloatBuffer || b instanceof IntBuffer) {
      size = 4;
    } else if (b instanceof DoubleBuffer || b instanceof LongBuffer) {
      size = 8;
    } else if (b instanceof ShortBuffer) {
      size = 2;
    } else if (b instanceof ByteBuffer) {
      size = 1;
    } else {
      throw new IllegalArgumentException("unsupported host buffer " + b.getClass().getName());
    }
    return (long) size * b.remaining();
  }
}

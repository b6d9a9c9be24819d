package io.hindsight.cuda;

import static io.hindsight.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.CU_LAUNCH_PARAM_BUFFER_POINTER;
import static jcuda.driver.JCudaDriver.CU_LAUNCH_PARAM_BUFFER_SIZE;
import static jcuda.driver.JCudaDriver.CU_LAUNCH_PARAM_END;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuProfilerStart;
import static jcuda.driver.JCudaDriver.cuProfilerStop;

import io.hindsight.device.Device;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceCounters;
import io.hindsight.device.DeviceException;
import io.hindsight.device.KernelLaunch;
import io.hindsight.device.KernelSignatures;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

/**
 * The GPU {@link Device}: device 0 through the JCuda driver API and our own kernels
 * ({@link CudaContext}). Launches and device copies go to the default stream in order; host copies
 * are synchronous. Freed memory returns to a cache of same-sized blocks (training allocates the
 * same sizes every step, and {@code cuMemAlloc}/{@code cuMemFree} synchronize the device), which
 * {@link #close()} releases. Every launch is checked against the kernel's declared signature first.
 */
public final class CudaDevice implements Device {
  /** Bytes of kernel parameters a launch may pass: CUDA's classic 4 KiB, far above what our kernels take. */
  private static final int PARAM_BYTES = 4096;

  /** A {@code cuMemAlloc} block whose address the launch path writes into kernel parameter buffers. */
  private static final class Allocation extends CUdeviceptr {
    long address() {
      return getNativePointer();
    }
  }

  private final CudaContext ctx;
  private final boolean ownsContext;
  private final Map<Long, ArrayDeque<Allocation>> cache = new HashMap<>();
  /** The launch path's kernel parameter buffer (the driver copies it at launch; launches are synchronized). */
  private final ByteBuffer params = ByteBuffer.allocateDirect(PARAM_BYTES).order(ByteOrder.nativeOrder());
  /** The {@code size_t} that tells the driver how much of {@link #params} a launch uses. */
  private final ByteBuffer paramsSize = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
  private long nextId = 1;
  private long h2d;
  private long d2h;
  private long d2d;
  private long launches;
  private long liveBytes;
  private long peakBytes;
  private long allocations;
  private long cachedBytes;
  private boolean closed;

  private CudaDevice(CudaContext ctx, boolean ownsContext) {
    this.ctx = ctx;
    this.ownsContext = ownsContext;
  }

  /** Opens device 0 with every kernel module loaded; throws {@link CudaException} with the reason when unavailable. */
  public static CudaDevice open() {
    return new CudaDevice(CudaContext.create(), true);
  }

  public CudaContext context() {
    return ctx;
  }

  @Override
  public String kind() {
    return "cuda";
  }

  @Override
  public String name() {
    return ctx.describe();
  }

  @Override
  public int multiprocessors() {
    return ctx.multiprocessors();
  }

  @Override
  public int computeCapabilityMajor() {
    return ctx.computeCapabilityMajor();
  }

  private void open(String what) {
    if (closed) {
      throw new DeviceException(what + ": the CUDA device is closed");
    }
  }

  private static Allocation base(DeviceBuffer b) {
    if (!(b.handle() instanceof Allocation p)) {
      throw new DeviceException("device buffer '" + b.label() + "' belongs to another device");
    }
    return p;
  }

  private static CUdeviceptr pointer(DeviceBuffer b, long offset) {
    long off = b.alignmentOffset() + offset;
    return off == 0 ? base(b) : base(b).withByteOffset(off);
  }

  @Override
  public synchronized DeviceBuffer allocate(long bytes, String label) {
    open("allocate " + label);
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation of " + bytes + " bytes for " + label);
    }
    long n = Math.max(bytes, 4); // cuMemAlloc rejects 0 bytes
    ArrayDeque<Allocation> free = cache.get(n);
    Allocation p = free == null ? null : free.poll();
    if (p != null) {
      cachedBytes -= n;
    } else {
      ctx.bind();
      p = new Allocation();
      check("cuMemAlloc(" + n + " bytes for " + label + ")", cuMemAlloc(p, n));
    }
    liveBytes += n;
    peakBytes = Math.max(peakBytes, liveBytes);
    allocations++;
    return new DeviceBuffer(this, nextId++, label, n, p);
  }

  @Override
  public synchronized void free(DeviceBuffer allocation) {
    if (!allocation.isAllocation()) {
      throw new DeviceException("free of a slice of '" + allocation.label() + "': only allocations are freed");
    }
    allocation.requireLive("free");
    allocation.markFreed();
    liveBytes -= allocation.bytes();
    cache.computeIfAbsent(allocation.bytes(), k -> new ArrayDeque<>()).push(base(allocation));
    cachedBytes += allocation.bytes();
  }

  private void checkRange(DeviceBuffer b, long offset, long bytes, String use) {
    b.requireLive(use);
    if (offset < 0 || bytes < 0 || offset + bytes > b.bytes()) {
      throw new DeviceException(use + ": " + bytes + " bytes at offset " + offset + " do not fit device buffer "
          + b.describe());
    }
  }

  @Override
  public synchronized void copyIn(DeviceBuffer dst, long dstOffset, Buffer src) {
    open("copy to '" + dst.label() + "'");
    long n = Device.hostBytes(src);
    checkRange(dst, dstOffset, n, "copy of " + n + " bytes from the host");
    if (n == 0) {
      return;
    }
    ctx.bind();
    check("cuMemcpyHtoD(" + n + " bytes to '" + dst.label() + "')", cuMemcpyHtoD(pointer(dst, dstOffset), host(src), n));
    h2d += n;
  }

  @Override
  public synchronized void copyOut(DeviceBuffer src, long srcOffset, Buffer dst) {
    open("copy from '" + src.label() + "'");
    long n = Device.hostBytes(dst);
    checkRange(src, srcOffset, n, "copy of " + n + " bytes to the host");
    if (n == 0) {
      return;
    }
    ctx.bind();
    check("cuMemcpyDtoH(" + n + " bytes from '" + src.label() + "')", cuMemcpyDtoH(host(dst), pointer(src, srcOffset), n));
    d2h += n;
  }

  /**
   * The host address of a buffer's first remaining element. JCuda's {@code Pointer.to(Buffer)} points
   * at the start of the backing array whatever the buffer's position and array offset (so
   * {@code FloatBuffer.wrap(a, 5, n)} would copy from {@code a[0]}); {@code Pointer.toBuffer} honours both.
   */
  private static Pointer host(Buffer b) {
    return Pointer.toBuffer(b);
  }

  @Override
  public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
    open("device copy");
    checkRange(src, srcOffset, bytes, "device-to-device copy from");
    checkRange(dst, dstOffset, bytes, "device-to-device copy to");
    if (bytes == 0) {
      return;
    }
    ctx.bind();
    check("cuMemcpyDtoD(" + bytes + " bytes)", cuMemcpyDtoD(pointer(dst, dstOffset), pointer(src, srcOffset), bytes));
    d2d += bytes;
  }

  /**
   * Launches with the arguments packed into one parameter buffer ({@link ParamBuffer}): one buffer
   * crosses JNI instead of one Java array per argument, which cost more than the launch itself.
   */
  @Override
  public synchronized void launch(KernelLaunch launch) {
    if (closed) {
      open("launch of " + launch.kernel());
    }
    KernelSignatures.of(launch.kernel()).check(launch.args());
    // messages are built only on failure: this runs for every argument of every launch
    int size = ParamBuffer.pack(launch.args(), (argument, b) -> {
      if (b.isFreed()) {
        b.requireLive("launch of " + launch.kernel() + ", argument '" + argument + "'");
      }
      return base(b).address() + b.alignmentOffset();
    }, params);
    paramsSize.putLong(0, size);
    Pointer extra = Pointer.to(CU_LAUNCH_PARAM_BUFFER_POINTER, Pointer.to(params), CU_LAUNCH_PARAM_BUFFER_SIZE,
        Pointer.to(paramsSize), CU_LAUNCH_PARAM_END);
    ctx.bind();
    int result = cuLaunchKernel(ctx.function(launch.kernel()), launch.gridX(), launch.gridY(), launch.gridZ(),
        launch.blockX(), launch.blockY(), launch.blockZ(), launch.sharedBytes(), null, null, extra);
    if (result != CUresult.CUDA_SUCCESS) {
      check("cuLaunchKernel(" + launch.kernel() + ", grid " + launch.gridX() + "x" + launch.gridY() + "x"
          + launch.gridZ() + ")", result);
    }
    launches++;
  }

  @Override
  public void synchronize() {
    open("synchronize");
    ctx.synchronize();
  }

  @Override
  public void profilerStart() {
    open("profiler start");
    ctx.bind();
    check("cuProfilerStart", cuProfilerStart());
  }

  @Override
  public void profilerStop() {
    open("profiler stop");
    ctx.bind();
    check("cuProfilerStop", cuProfilerStop());
  }

  @Override
  public synchronized DeviceCounters counters() {
    return new DeviceCounters(h2d, d2h, d2d, launches, liveBytes, peakBytes, allocations);
  }

  @Override
  public synchronized void resetPeak() {
    peakBytes = liveBytes;
  }

  /** Releases the cached blocks and, when this device opened it, the context. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ctx.bind();
      for (ArrayDeque<Allocation> q : cache.values()) {
        for (Allocation p : q) {
          cuMemFree(p);
        }
      }
      cache.clear();
      cachedBytes = 0;
    } finally {
      if (ownsContext) {
        ctx.close();
      }
    }
  }
}

package io.hindsight.cuda;

import static io.hindsight.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A range of device memory: an allocation owned by a {@link DeviceArena}, or a slice of one.
 * Allocations start 256-byte aligned ({@code cuMemAlloc}), so a slice's alignment is that of its
 * byte offset, which the kernel wrappers check where a kernel needs vector access. Host copies are
 * synchronous ({@code cuMemcpyHtoD}/{@code cuMemcpyDtoH} on the default stream).
 */
public final class DeviceBuffer {
  private final CudaContext ctx;
  private final CUdeviceptr base;
  private final long offset;
  private final long bytes;
  private final DeviceBuffer parent;
  private boolean freed;

  DeviceBuffer(CudaContext ctx, CUdeviceptr base, long bytes) {
    this(ctx, base, 0, bytes, null);
  }

  private DeviceBuffer(CudaContext ctx, CUdeviceptr base, long offset, long bytes, DeviceBuffer parent) {
    this.ctx = ctx;
    this.base = base;
    this.offset = offset;
    this.bytes = bytes;
    this.parent = parent;
  }

  /** A view of {@code [byteOffset, byteOffset + length)} of this buffer (not separately freed). */
  public DeviceBuffer slice(long byteOffset, long length) {
    if (byteOffset < 0 || length < 0 || byteOffset + length > bytes) {
      throw new IllegalArgumentException("slice [" + byteOffset + ", " + (byteOffset + length)
          + ") outside a buffer of " + bytes + " bytes");
    }
    return new DeviceBuffer(ctx, base, offset + byteOffset, length, parent == null ? this : parent);
  }

  /** The device address of the first byte, for kernel arguments. */
  public CUdeviceptr pointer() {
    checkLive();
    return offset == 0 ? base : base.withByteOffset(offset);
  }

  public long bytes() {
    return bytes;
  }

  /** Offset from the 256-byte-aligned allocation start: {@code offset % 16 == 0} means 16-byte aligned. */
  public long alignmentOffset() {
    return offset;
  }

  /** Copies {@code count} floats from {@code src[srcOff..]} to the start of this buffer. */
  public void upload(float[] src, int srcOff, int count) {
    copyIn(Pointer.to(src).withByteOffset(4L * srcOff), 4L * count);
  }

  public void upload(float[] src) {
    upload(src, 0, src.length);
  }

  public void upload(byte[] src) {
    copyIn(Pointer.to(src), src.length);
  }

  public void upload(short[] src) {
    copyIn(Pointer.to(src), 2L * src.length);
  }

  public void upload(int[] src) {
    copyIn(Pointer.to(src), 4L * src.length);
  }

  /** Copies {@code count} floats from the start of this buffer into {@code dst[dstOff..]}. */
  public void download(float[] dst, int dstOff, int count) {
    copyOut(Pointer.to(dst).withByteOffset(4L * dstOff), 4L * count);
  }

  public void download(float[] dst) {
    download(dst, 0, dst.length);
  }

  public void download(byte[] dst) {
    copyOut(Pointer.to(dst), dst.length);
  }

  public void download(short[] dst) {
    copyOut(Pointer.to(dst), 2L * dst.length);
  }

  public void download(int[] dst) {
    copyOut(Pointer.to(dst), 4L * dst.length);
  }

  public void download(double[] dst) {
    copyOut(Pointer.to(dst), 8L * dst.length);
  }

  private void copyIn(Pointer host, long n) {
    checkRange(n);
    if (n == 0) {
      return;
    }
    ctx.bind();
    check("cuMemcpyHtoD(" + n + " bytes)", cuMemcpyHtoD(pointer(), host, n));
  }

  private void copyOut(Pointer host, long n) {
    checkRange(n);
    if (n == 0) {
      return;
    }
    ctx.bind();
    check("cuMemcpyDtoH(" + n + " bytes)", cuMemcpyDtoH(host, pointer(), n));
  }

  private void checkRange(long n) {
    if (n > bytes) {
      throw new IllegalArgumentException("copy of " + n + " bytes exceeds a device buffer of " + bytes);
    }
  }

  private void checkLive() {
    if ((parent != null && parent.freed) || freed) {
      throw new IllegalStateException("device buffer used after its arena was closed");
    }
  }

  /** Frees an allocation (not a slice); called by the owning arena. */
  void free() {
    if (freed || parent != null) {
      return;
    }
    ctx.bind();
    freed = true;
    ctx.freed(bytes);
    check("cuMemFree", cuMemFree(base));
  }
}

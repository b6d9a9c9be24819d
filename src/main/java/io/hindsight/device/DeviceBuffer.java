package io.hindsight.device;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * A range of device memory: an allocation of a {@link Device}, or a slice of one. Labelled (e.g.
 * {@code conv1.weight} or {@code step: conv1 output}) so that every error names the memory
 * involved. Allocations start 256-byte aligned, so a slice's alignment is that of its byte offset
 * ({@link #alignmentOffset}). Host copies are synchronous.
 */
public final class DeviceBuffer {
  private final Device device;
  private final long id;
  private final String label;
  private final long offset;
  private final long bytes;
  private final DeviceBuffer root;
  private final Object handle;
  private boolean freed;

  /**
   * An allocation, made by a {@link Device} implementation.
   *
   * @param handle the implementation's reference to the memory (a driver pointer, host storage)
   */
  public DeviceBuffer(Device device, long id, String label, long bytes, Object handle) {
    this(device, id, label, 0, bytes, null, handle);
  }

  private DeviceBuffer(Device device, long id, String label, long offset, long bytes, DeviceBuffer root, Object handle) {
    this.device = device;
    this.id = id;
    this.label = label;
    this.offset = offset;
    this.bytes = bytes;
    this.root = root;
    this.handle = handle;
  }

  /** A view of {@code [byteOffset, byteOffset + length)} of this buffer (not separately freed). */
  public DeviceBuffer slice(long byteOffset, long length) {
    if (byteOffset < 0 || length < 0 || byteOffset + length > bytes) {
      throw new IllegalArgumentException("slice [" + byteOffset + ", " + (byteOffset + length) + ") outside "
          + describe());
    }
    return new DeviceBuffer(device, id, label, offset + byteOffset, length, allocation(), handle);
  }

  /** The slice from {@code byteOffset} to the end. */
  public DeviceBuffer from(long byteOffset) {
    return slice(byteOffset, bytes - byteOffset);
  }

  public Device device() {
    return device;
  }

  /** The id of the allocation (shared by its slices). */
  public long id() {
    return id;
  }

  public String label() {
    return label;
  }

  public long bytes() {
    return bytes;
  }

  /** Byte offset from the allocation's (256-byte aligned) start: {@code % 16 == 0} means 16-byte aligned. */
  public long alignmentOffset() {
    return offset;
  }

  /** The allocation this buffer belongs to (itself for an allocation). */
  public DeviceBuffer allocation() {
    return root == null ? this : root;
  }

  /** Whether this is a whole allocation rather than a slice. */
  public boolean isAllocation() {
    return root == null;
  }

  /** The device implementation's reference to the allocation. */
  public Object handle() {
    return handle;
  }

  /** Whether the allocation has been freed. */
  public boolean isFreed() {
    return allocation().freed;
  }

  /** Marks the allocation freed (called by its device). */
  public void markFreed() {
    allocation().freed = true;
  }

  /** Throws, naming the buffer and {@code use}, if the allocation was freed. */
  public void requireLive(String use) {
    if (isFreed()) {
      throw new DeviceException(use + ": device buffer '" + label + "' (" + allocation().bytes
          + " bytes) was used after it was freed");
    }
  }

  /** e.g. {@code 'conv1.weight' (bytes [0, 1152) of 1152)}. */
  public String describe() {
    return "'" + label + "' (bytes [" + offset + ", " + (offset + bytes) + ") of " + allocation().bytes + ")";
  }

  // ---- host copies (synchronous) ----

  /** Copies {@code count} floats from {@code src[srcOff..]} to the start of this buffer. */
  public void upload(float[] src, int srcOff, int count) {
    device.copyIn(this, 0, FloatBuffer.wrap(src, srcOff, count));
  }

  public void upload(float[] src) {
    upload(src, 0, src.length);
  }

  public void upload(byte[] src) {
    device.copyIn(this, 0, ByteBuffer.wrap(src));
  }

  public void upload(short[] src) {
    device.copyIn(this, 0, ShortBuffer.wrap(src));
  }

  public void upload(int[] src) {
    device.copyIn(this, 0, IntBuffer.wrap(src));
  }

  public void upload(int[] src, int srcOff, int count) {
    device.copyIn(this, 0, IntBuffer.wrap(src, srcOff, count));
  }

  public void upload(long[] src) {
    device.copyIn(this, 0, LongBuffer.wrap(src));
  }

  /** Copies {@code count} floats from the start of this buffer into {@code dst[dstOff..]}. */
  public void download(float[] dst, int dstOff, int count) {
    device.copyOut(this, 0, FloatBuffer.wrap(dst, dstOff, count));
  }

  public void download(float[] dst) {
    download(dst, 0, dst.length);
  }

  public void download(byte[] dst) {
    device.copyOut(this, 0, ByteBuffer.wrap(dst));
  }

  public void download(short[] dst) {
    device.copyOut(this, 0, ShortBuffer.wrap(dst));
  }

  public void download(int[] dst) {
    device.copyOut(this, 0, IntBuffer.wrap(dst));
  }

  public void download(long[] dst) {
    device.copyOut(this, 0, LongBuffer.wrap(dst));
  }

  public void download(double[] dst) {
    device.copyOut(this, 0, DoubleBuffer.wrap(dst));
  }

  @Override
  public String toString() {
    return "DeviceBuffer" + describe();
  }
}

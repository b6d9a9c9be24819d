package io.hindsight.device.sim;

import java.nio.ByteBuffer;

/**
 * A kernel reference's window on one pointer argument: the bytes from the pointer to the end of
 * the argument's buffer. Element accessors take an element index in units of the accessed type
 * (as C indexing of a typed pointer does); every access is bounds-checked against the buffer and
 * counted (bytes read, bytes written, and the bytes written as float32, which the write log uses
 * to tell full-precision outputs from low-bit ones). Writing through a {@code const} parameter is
 * an error.
 */
public final class View {
  private final ByteBuffer bb;
  private final int base;
  private final long length;
  private final boolean readOnly;
  private final String what;
  long bytesRead;
  long bytesWritten;
  long float32BytesWritten;

  View(ByteBuffer bb, long base, long length, boolean readOnly, String what) {
    this.bb = bb;
    this.base = (int) base;
    this.length = length;
    this.readOnly = readOnly;
    this.what = what;
  }

  /** The view's size in bytes. */
  public long lengthBytes() {
    return length;
  }

  private int at(long index, int size) {
    long b = index * size;
    if (index < 0 || b + size > length) {
      throw new SimAccessException(what + ": " + (size == 1 ? "byte" : size + "-byte element") + " index " + index
          + " is outside the buffer's " + length + " bytes");
    }
    return base + (int) b;
  }

  /** Checks that elements {@code [from, from + n)} of {@code size} bytes fit; returns the first's position. */
  private int range(long from, int n, int size) {
    if (from < 0 || (from + n) * size > length) {
      throw new SimAccessException(what + ": " + size + "-byte elements [" + from + ", " + (from + n)
          + ") do not fit the buffer's " + length + " bytes");
    }
    return base + (int) (from * size);
  }

  /** As {@link #range} for a bulk write of {@code n} elements: refused through a const view, counted. */
  private int writeRange(long from, int n, int size) {
    if (readOnly) {
      throw new SimAccessException(what + " is declared const but the kernel writes elements " + from + ".."
          + (from + n - 1));
    }
    int p = range(from, n, size);
    bytesWritten += (long) size * n;
    return p;
  }

  private int write(long index, int size) {
    if (readOnly) {
      throw new SimAccessException(what + " is declared const but the kernel writes element " + index);
    }
    int p = at(index, size);
    bytesWritten += size;
    return p;
  }

  public float getF(long i) {
    int p = at(i, 4);
    bytesRead += 4;
    return bb.getFloat(p);
  }

  public void putF(long i, float v) {
    int p = write(i, 4);
    float32BytesWritten += 4;
    bb.putFloat(p, v);
  }

  public int getI(long i) {
    int p = at(i, 4);
    bytesRead += 4;
    return bb.getInt(p);
  }

  public void putI(long i, int v) {
    bb.putInt(write(i, 4), v);
  }

  public byte getB(long i) {
    int p = at(i, 1);
    bytesRead += 1;
    return bb.get(p);
  }

  public void putB(long i, byte v) {
    bb.put(write(i, 1), v);
  }

  public short getS(long i) {
    int p = at(i, 2);
    bytesRead += 2;
    return bb.getShort(p);
  }

  public void putS(long i, short v) {
    bb.putShort(write(i, 2), v);
  }

  public double getD(long i) {
    int p = at(i, 8);
    bytesRead += 8;
    return bb.getDouble(p);
  }

  public void putD(long i, double v) {
    bb.putDouble(write(i, 8), v);
  }

  public long getL(long i) {
    int p = at(i, 8);
    bytesRead += 8;
    return bb.getLong(p);
  }

  public void putL(long i, long v) {
    bb.putLong(write(i, 8), v);
  }

  /** Reads floats {@code [from, from + n)} into {@code dst[off..]} (one bounds check, counted once). */
  public void readF(long from, float[] dst, int off, int n) {
    if (n == 0) {
      return;
    }
    int p = range(from, n, 4);
    bytesRead += 4L * n;
    bb.duplicate().order(bb.order()).position(p).asFloatBuffer().get(dst, off, n);
  }

  /** Writes {@code src[off..off+n)} to floats {@code [from, from + n)}. */
  public void writeF(long from, float[] src, int off, int n) {
    if (n == 0) {
      return;
    }
    int p = writeRange(from, n, 4);
    float32BytesWritten += 4L * n;
    bb.duplicate().order(bb.order()).position(p).asFloatBuffer().put(src, off, n);
  }

  /** Writes {@code src[off..off+n)} to bytes {@code [from, from + n)} (one bounds check, counted once). */
  public void writeB(long from, byte[] src, int off, int n) {
    if (n == 0) {
      return;
    }
    int p = writeRange(from, n, 1);
    bb.duplicate().position(p).put(src, off, n);
  }

  /** Reads bytes {@code [from, from + n)} into {@code dst[off..]}. */
  public void readB(long from, byte[] dst, int off, int n) {
    if (n == 0) {
      return;
    }
    int p = range(from, n, 1);
    bytesRead += n;
    bb.duplicate().position(p).get(dst, off, n);
  }

  /** Reads ints {@code [from, from + n)} into {@code dst[off..]}. */
  public void readI(long from, int[] dst, int off, int n) {
    if (n == 0) {
      return;
    }
    int p = range(from, n, 4);
    bytesRead += 4L * n;
    bb.duplicate().order(bb.order()).position(p).asIntBuffer().get(dst, off, n);
  }

  @Override
  public String toString() {
    return what;
  }
}

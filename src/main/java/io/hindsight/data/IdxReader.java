package io.hindsight.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw (detected from the
 * first bytes). Only unsigned-byte data is accepted. Every defect is an {@link IdxFormatException}
 * naming the file: a wrong magic number, a dimension count other than the expected one, a
 * truncated body, or trailing bytes. A corrupt file never yields a silently partial dataset.
 */
public final class IdxReader {
  private static final int UNSIGNED_BYTE = 0x08;
  /** Largest accepted element count (guards against absurd headers). */
  static final long MAX_ELEMENTS = 1L << 31;

  private IdxReader() {}

  /** Images: magic {@code 0x00000803}, shape {@code (count, rows, cols)}. */
  public static IdxArray readImages(Path file) throws IOException {
    return read(file, 3);
  }

  /** Labels: magic {@code 0x00000801}, shape {@code (count)}. */
  public static IdxArray readLabels(Path file) throws IOException {
    return read(file, 1);
  }

  /** Reads an IDX file of unsigned bytes with {@code expectedDims} dimensions. */
  public static IdxArray read(Path file, int expectedDims) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IdxFormatException(file + ": no such file");
    }
    try (InputStream raw = Files.newInputStream(file)) {
      return read(raw, file.toString(), expectedDims);
    }
  }

  /** Reads from a stream; {@code source} names it in error messages. */
  public static IdxArray read(InputStream raw, String source, int expectedDims) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(buffered, 1 << 16) : buffered;
    DataInputStream data = new DataInputStream(in);
    int magic;
    try {
      magic = data.readInt();
    } catch (EOFException e) {
      throw new IdxFormatException(source + ": file too short for an IDX header");
    }
    if ((magic >>> 16) != 0) {
      throw new IdxFormatException(source + ": bad magic number 0x" + Integer.toHexString(magic)
          + " (not an IDX file)");
    }
    int type = (magic >>> 8) & 0xff;
    int dims = magic & 0xff;
    if (type != UNSIGNED_BYTE) {
      throw new IdxFormatException(source + ": element type 0x" + Integer.toHexString(type)
          + " not supported (expected unsigned byte 0x08)");
    }
    if (dims != expectedDims) {
      throw new IdxFormatException(source + ": has " + dims + " dimensions, expected " + expectedDims
          + " (magic 0x" + String.format("%08x", 0x800 | expectedDims) + ")");
    }
    int[] shape = new int[dims];
    long count = 1;
    for (int i = 0; i < dims; i++) {
      try {
        shape[i] = data.readInt();
      } catch (EOFException e) {
        throw new IdxFormatException(source + ": truncated header");
      }
      if (shape[i] <= 0) {
        throw new IdxFormatException(source + ": dimension " + i + " is " + shape[i]);
      }
      count *= shape[i];
      if (count > MAX_ELEMENTS) {
        throw new IdxFormatException(source + ": header declares more than " + MAX_ELEMENTS + " elements");
      }
    }
    byte[] body = new byte[(int) count];
    int off = 0;
    while (off < body.length) {
      int n = data.read(body, off, body.length - off);
      if (n < 0) {
        throw new IdxFormatException(source + ": truncated: header declares " + count + " values but only "
            + off + " are present");
      }
      off += n;
    }
    if (data.read() >= 0) {
      throw new IdxFormatException(source + ": trailing bytes after the " + count + " declared values");
    }
    return new IdxArray(shape, body);
  }

  /** Convenience for tests: parses an in-memory IDX file. */
  public static IdxArray read(byte[] bytes, String source, int expectedDims) throws IOException {
    return read(new ByteArrayInputStream(bytes), source, expectedDims);
  }
}

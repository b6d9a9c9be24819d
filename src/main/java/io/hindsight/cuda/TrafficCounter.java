package io.hindsight.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Device-memory traffic of kernel launches, computed from each launch's arguments by
 * {@link CudaKernels} (the formulas are in {@link Traffic}): the compulsory bytes a kernel must
 * read and write (each input element read once, each output element written once). Re-reads that
 * the caches serve (GEMM tiles, im2col overlaps) and the 24-byte statistics atomics are not
 * counted, so {@code bytes / time} is the kernel's effective bandwidth. Thread-safe.
 *
 * <p>It also counts the bytes moved to quantize ({@link #quantizationBytes}): the quantized output's
 * share of a producer's launch (codes, STE mask, statistics), every launch made inside
 * {@link #quantizing()} (statistics and quantizing passes, weight codes, mask application), and
 * bytes attributed with {@link #addQuantization} (floats written only to be quantized, a tensor
 * read back for a range search).
 */
public final class TrafficCounter {
  /** Launch count and bytes of one kernel. */
  public record Entry(long launches, long bytesRead, long bytesWritten) {
    public long bytesMoved() {
      return bytesRead + bytesWritten;
    }
  }

  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private long quantizationBytes;
  private int quantizing;

  /** Adds one launch of {@code kernel} reading {@code read} and writing {@code written} bytes. */
  public void record(String kernel, long read, long written) {
    record(kernel, read, written, 0);
  }

  /**
   * As {@link #record(String, long, long)}, {@code quantized} of those bytes being the launch's
   * quantized output (its codes, mask and statistics).
   */
  public synchronized void record(String kernel, long read, long written, long quantized) {
    add(kernel, new Entry(1, read, written));
    quantizationBytes += quantizing > 0 ? read + written : quantized;
  }

  /** Counts every launch until the returned scope closes as quantization traffic (scopes nest). */
  public synchronized Quantizing quantizing() {
    quantizing++;
    return this::endQuantizing;
  }

  private synchronized void endQuantizing() {
    if (quantizing == 0) {
      throw new IllegalStateException("quantizing scope closed twice");
    }
    quantizing--;
  }

  /**
   * Adds {@code bytes} written by earlier launches of {@code kernel} whose size was known only after
   * they ran, as quantization traffic ({@link #addLate} with nothing read).
   */
  public synchronized void addWritten(String kernel, long bytes) {
    addLate(kernel, 0, bytes);
  }

  /**
   * Adds {@code read} and {@code written} bytes of earlier launches of {@code kernel} whose size was
   * known only after they ran (apply_mask reads the mask words that stop an element and writes only
   * those elements, which the step's statistics count), as quantization traffic.
   */
  public synchronized void addLate(String kernel, long read, long written) {
    add(kernel, new Entry(0, read, written));
    quantizationBytes += read + written;
  }

  private void add(String kernel, Entry e) {
    entries.merge(kernel, e,
        (a, b) -> new Entry(a.launches + b.launches, a.bytesRead + b.bytesRead, a.bytesWritten + b.bytesWritten));
  }

  /** Attributes {@code bytes} of device traffic outside a launch's own count to quantization. */
  public synchronized void addQuantization(long bytes) {
    quantizationBytes += bytes;
  }

  /** Bytes moved to quantize since the counter was created or reset. */
  public synchronized long quantizationBytes() {
    return quantizationBytes;
  }

  /** A {@link #quantizing()} scope. */
  @FunctionalInterface
  public interface Quantizing extends AutoCloseable {
    @Override
    void close();
  }

  /** Per-kernel totals, in first-launch order. */
  public synchronized Map<String, Entry> snapshot() {
    return new LinkedHashMap<>(entries);
  }

  /** Total bytes read plus written by all launches. */
  public synchronized long bytesMoved() {
    long s = 0;
    for (Entry e : entries.values()) {
      s += e.bytesMoved();
    }
    return s;
  }

  public synchronized long launches() {
    long s = 0;
    for (Entry e : entries.values()) {
      s += e.launches;
    }
    return s;
  }

  public synchronized void reset() {
    entries.clear();
    quantizationBytes = 0;
  }
}

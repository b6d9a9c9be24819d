package io.hindsight.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Device-memory traffic of kernel launches, computed from each launch's arguments by
 * {@link CudaKernels} (the formulas are in {@link Traffic}): the compulsory bytes a kernel must
 * read and write (each input element read once, each output element written once). Re-reads that
 * the caches serve (GEMM tiles, im2col overlaps) and the 24-byte statistics atomics are not
 * counted, so {@code bytes / time} is the kernel's effective bandwidth. Thread-safe.
 */
public final class TrafficCounter {
  /** Launch count and bytes of one kernel. */
  public record Entry(long launches, long bytesRead, long bytesWritten) {
    public long bytesMoved() {
      return bytesRead + bytesWritten;
    }
  }

  private final Map<String, Entry> entries = new LinkedHashMap<>();

  /** Adds one launch of {@code kernel} reading {@code read} and writing {@code written} bytes. */
  public synchronized void record(String kernel, long read, long written) {
    entries.merge(kernel, new Entry(1, read, written),
        (a, b) -> new Entry(a.launches + b.launches, a.bytesRead + b.bytesRead, a.bytesWritten + b.bytesWritten));
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
  }
}

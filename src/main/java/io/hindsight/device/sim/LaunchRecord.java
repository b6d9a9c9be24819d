package io.hindsight.device.sim;

import java.util.List;
import java.util.Map;

/**
 * What one launch on the software device touched: for each pointer argument, the buffer and the
 * bytes the kernel's reference read and wrote (and of those written, how many as float32).
 *
 * @param index the launch's position since the device was opened (0-based)
 * @param kernel the kernel's name
 * @param accesses one entry per non-null pointer argument, in parameter order
 * @param scalars the scalar arguments by name (Integer, Long or Float; flags as 0/1)
 */
public record LaunchRecord(long index, String kernel, List<Access> accesses, Map<String, Object> scalars) {

  /**
   * @param arg the parameter's name
   * @param label the buffer's label
   * @param allocation the id of the buffer's allocation
   * @param bytesRead bytes read through the argument
   * @param bytesWritten bytes written through it
   * @param float32BytesWritten of the bytes written, those written as float32 values
   */
  public record Access(String arg, String label, long allocation, long bytesRead, long bytesWritten,
      long float32BytesWritten) {}

  /** Bytes read and written by the launch. */
  public long bytes() {
    long b = 0;
    for (Access a : accesses) {
      b += a.bytesRead() + a.bytesWritten();
    }
    return b;
  }

  /** The access through argument {@code arg}, or null when the argument was the null pointer. */
  public Access access(String arg) {
    for (Access a : accesses) {
      if (a.arg().equals(arg)) {
        return a;
      }
    }
    return null;
  }

  /** The integer scalar argument {@code name} (flags are 0 or 1). */
  public int intArg(String name) {
    Object v = scalars.get(name);
    if (!(v instanceof Integer i)) {
      throw new IllegalArgumentException(kernel + " has no int argument '" + name + "'");
    }
    return i;
  }
}

package io.hindsight.device.sim;

import java.util.List;

/**
 * What one launch on the software device touched: for each pointer argument, the buffer and the
 * bytes the kernel's reference read and wrote (and of those written, how many as float32).
 *
 * @param index the launch's position since the device was opened (0-based)
 * @param kernel the kernel's name
 * @param accesses one entry per non-null pointer argument, in parameter order
 */
public record LaunchRecord(long index, String kernel, List<Access> accesses) {

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
}

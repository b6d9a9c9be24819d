package io.hindsight.device.sim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The host storage of one software-device allocation: little-endian bytes, poisoned when fresh. */
final class SimMemory {
  /** The byte every fresh allocation is filled with (0xFFFFFFFF is a NaN float, -1 as an int). */
  static final byte POISON = (byte) 0xFF;

  final long id;
  final String label;
  final long bytes;
  ByteBuffer data;

  SimMemory(long id, String label, long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the software device allocates at most 2 GiB per buffer; '" + label
          + "' asks for " + bytes + " bytes");
    }
    this.id = id;
    this.label = label;
    this.bytes = bytes;
    this.data = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    byte[] a = data.array();
    java.util.Arrays.fill(a, POISON);
  }
}

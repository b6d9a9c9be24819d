package io.hindsight.cuda;

import io.hindsight.device.DeviceBuffer;

/**
 * How {@code sgd_update_stats} splits the flat parameters: one block per segment, segment {@code s}
 * the elements {@code [start[s], start[s + 1])} (longs on the device, {@code start[0] = 0}, the last
 * {@code = elements}), and {@code slot[s]} (ints) the statistics slot its new values are recorded
 * into, or {@code -1}: a channel of a quantized layer's weights has a slot, so that its quantizer
 * reads the weights' statistics without a pass of its own.
 *
 * @param start {@code segments + 1} longs
 * @param slot {@code segments} ints
 * @param segments the segment count (the launch's grid)
 * @param elements the parameters covered ({@code start[segments]})
 * @param recorded segments with a slot (each writes one 16-byte statistics record)
 */
public record SgdSegments(DeviceBuffer start, DeviceBuffer slot, int segments, long elements, int recorded) {
  public SgdSegments {
    if (segments < 1 || elements < 0 || recorded < 0 || recorded > segments) {
      throw new IllegalArgumentException("SGD segments: " + segments + " segments over " + elements
          + " parameters, " + recorded + " recorded");
    }
  }
}

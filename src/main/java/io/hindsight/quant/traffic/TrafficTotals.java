package io.hindsight.quant.traffic;

/**
 * Memory traffic of a number of quantizations (one, a step, an epoch, a run; see {@link TrafficModel}).
 * Byte counts add up; peaks are the largest single full-precision buffer needed.
 *
 * @param quantizations tensors quantized
 * @param elements their total number of values
 * @param bytesMoved bytes moved by the configured scheme
 * @param bytesMovedIfStatic bytes the same tensors would move with static ranges
 * @param bytesMovedIfDynamic bytes the same tensors would move with (plain min/max) dynamic ranges
 * @param peakFullPrecisionBytes largest full-precision buffer the configured scheme needed
 * @param peakFullPrecisionBytesIfDynamic largest one a dynamic scheme would need
 */
public record TrafficTotals(
    long quantizations,
    long elements,
    long bytesMoved,
    long bytesMovedIfStatic,
    long bytesMovedIfDynamic,
    long peakFullPrecisionBytes,
    long peakFullPrecisionBytesIfDynamic) {

  public static final TrafficTotals ZERO = new TrafficTotals(0, 0, 0, 0, 0, 0, 0);

  /** These totals and {@code o}'s together. */
  public TrafficTotals plus(TrafficTotals o) {
    return new TrafficTotals(
        quantizations + o.quantizations,
        elements + o.elements,
        bytesMoved + o.bytesMoved,
        bytesMovedIfStatic + o.bytesMovedIfStatic,
        bytesMovedIfDynamic + o.bytesMovedIfDynamic,
        Math.max(peakFullPrecisionBytes, o.peakFullPrecisionBytes),
        Math.max(peakFullPrecisionBytesIfDynamic, o.peakFullPrecisionBytesIfDynamic));
  }

  /** {@code bytesMovedIfDynamic / bytesMoved}: how many times less the configured scheme moves (NaN if nothing moved). */
  public double savingVersusDynamic() {
    return bytesMoved == 0 ? Double.NaN : (double) bytesMovedIfDynamic / bytesMoved;
  }
}

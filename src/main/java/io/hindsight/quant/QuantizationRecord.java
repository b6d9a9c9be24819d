package io.hindsight.quant;

/**
 * What one training-time quantization did (one row of {@code ranges.csv} and more). For
 * per-channel quantizers the ranges are the envelopes over channels (smallest min, largest max).
 *
 * @param step the trainer's step ({@link QuantizationPlan#beginStep})
 * @param quantizer {@code <layer>/<kind>}
 * @param usedMin minimum of the range the tensor was quantized with
 * @param usedMax maximum of the range the tensor was quantized with
 * @param observedMin smallest finite value of the tensor (NaN if none)
 * @param observedMax largest finite value of the tensor (NaN if none)
 * @param clippedFraction values outside the representable range / elements
 * @param clipped values outside the representable range
 * @param nonFinite NaN/Inf values
 * @param elements values in the tensor
 * @param dynamic whether the range needed a statistics pass over this tensor
 * @param bytesMoved memory traffic of this quantization ({@link io.hindsight.quant.traffic.TrafficModel})
 * @param bytesMovedIfDynamic its traffic under a dynamic range
 */
public record QuantizationRecord(
    long step,
    String quantizer,
    double usedMin,
    double usedMax,
    double observedMin,
    double observedMax,
    double clippedFraction,
    long clipped,
    long nonFinite,
    long elements,
    boolean dynamic,
    long bytesMoved,
    long bytesMovedIfDynamic) {

  /** The header of {@code ranges.csv} ({@link RangesCsv#HEADER}). */
  public static final String CSV_HEADER = RangesCsv.HEADER;

  /** This record as a {@code ranges.csv} row (no line terminator), as {@link RangesCsv} writes it. */
  public String csvRow() {
    return RangesCsv.Row.of(this).toCsv();
  }
}

package io.hindsight.quant.traffic;

/**
 * How a tensor reaches its quantizer on an accelerator, and what its quantization costs beyond the
 * codes: the {@link TrafficModel} charges each quantization by its route. Routes are structural
 * (which kernel produces the tensor, who else reads it), decided once per model by
 * {@link io.hindsight.quant.QuantRoutes}; the CPU engine charges them as the device runs them.
 *
 * @param feed where the tensor comes from
 * @param steMask whether a training quantization writes the clipping STE's mask (one bit per
 *     element) and applies it to the input gradient in backward
 * @param inputGradientWeights for weights: the extra (transposed) codes the input gradient uses
 */
public record Route(Feed feed, boolean steMask, WeightCopy inputGradientWeights) {

  /** Where the quantized tensor comes from. */
  public enum Feed {
    /** The producing kernel quantizes it when the range is static; nothing else reads its floats. */
    PRODUCER,
    /** The producing kernel quantizes it when the range is static and also writes the floats another consumer reads. */
    PRODUCER_KEEPS_FLOATS,
    /**
     * The producing kernel writes a second set of codes for it when the range is static, beside
     * another quantizer's codes of the same tensor (a residual block's shortcut convolution, whose
     * range differs from the main branch's); the floats the producer writes when a range is dynamic
     * are charged to that other quantizer.
     */
    PRODUCER_SECOND_CODES,
    /** Its full-precision values exist anyway (the parameters, another consumer's): a pass reads them. */
    EXISTING_FLOATS,
    /**
     * The model's input, read by its quantized layer only: the host quantizes the batch as it
     * uploads it, measuring the batch itself when the range is dynamic, so the codes and their
     * statistics record reach the device and the floats never do, whatever the range.
     */
    HOST,
    /** The producing kernel cannot quantize: it writes the floats for the quantizer alone, which a pass reads. */
    WRITTEN_FOR_QUANTIZER;

    /** Whether the producing kernel writes the codes itself when the range is static. */
    public boolean producerQuantizes() {
      return this == PRODUCER || this == PRODUCER_KEEPS_FLOATS || this == PRODUCER_SECOND_CODES;
    }
  }

  /**
   * The weights' codes for the input gradient of a dense layer (whose reduction axis is the output
   * channels): per-tensor codes, transposed to (in, out), written by the pass that quantizes the
   * weights for forward, which reads the floats once for both.
   */
  public enum WeightCopy {
    /** None (a depthwise convolution uses its forward codes; activations and gradients). */
    NONE,
    /** The forward codes, also written transposed (per-tensor weights). */
    TRANSPOSED,
    /**
     * Per-tensor codes of the same floats (re-quantized with the envelope of the channels' ranges),
     * written transposed beside the per-channel forward codes (per-channel weights).
     */
    REQUANTIZED
  }

  public Route {
    if (feed == null || inputGradientWeights == null) {
      throw new IllegalArgumentException("a route needs a feed and a weight copy");
    }
  }

  /** A tensor quantized by its producer, with no mask and no weight copy. */
  public static final Route PRODUCER = new Route(Feed.PRODUCER, false, WeightCopy.NONE);
}

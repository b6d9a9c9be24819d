package io.hindsight.quant.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How one kind of tensor (weights, activations or gradients) is quantized, as written in the job
 * spec. Every field is optional: null means "inherit" (from the global block for a per-layer
 * override, from the built-in defaults for the global block; see {@link QuantizationConfig}).
 * Parameters an estimator does not use are range-checked but ignored, so that an override can
 * switch estimators without clearing inherited parameters. Unknown fields are rejected.
 *
 * @param enabled false leaves this kind in full precision (default true)
 * @param bits 2..16 (default 8)
 * @param estimator {@code current-minmax}, {@code running-minmax}, {@code hindsight-minmax},
 *     {@code hindsight-ema}, {@code amax-history}, {@code dsgc} (gradients only) or {@code fixed}
 * @param granularity {@code per-tensor} or {@code per-channel} (weights only, axis 0)
 * @param rounding {@code nearest} (ties to even) or {@code stochastic}
 * @param symmetric signed restricted grid with zero point 0, or unsigned grid with a zero point
 * @param momentum EMA momentum in [0, 1) of {@code running-minmax} and {@code hindsight-ema} (default 0.9)
 * @param historyLength {@code amax-history} window, >= 1 (default 16)
 * @param margin {@code amax-history}: the range is max|x| / 2^margin, margin in [-30, 30] (default 0)
 * @param min the range minimum of {@code fixed}, or the initial range of {@code warmup: fixed}
 * @param max the range maximum of {@code fixed}, or the initial range of {@code warmup: fixed}
 * @param warmup first range of the learning static estimators: {@code dynamic} (the first
 *     tensor's own statistics, default) or {@code fixed} ({@code [min, max]})
 * @param warmupSteps with {@code warmup: dynamic}: how many training steps use the tensor's own range before
 *     the static range takes over, in [1, 10000] (default {@link #DEFAULT_WARMUP_STEPS}, gradients
 *     {@link #DEFAULT_GRADIENT_WARMUP_STEPS})
 * @param steClip activations only: the straight-through estimator passes no gradient where the
 *     input was clipped (default true for activations)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TensorQuantConfig(
    Boolean enabled,
    Integer bits,
    String estimator,
    String granularity,
    String rounding,
    Boolean symmetric,
    Double momentum,
    Integer historyLength,
    Integer margin,
    Double min,
    Double max,
    String warmup,
    Boolean steClip,
    Integer warmupSteps) {

  /** Every field unset: inherit everything. */
  public static final TensorQuantConfig INHERIT =
      new TensorQuantConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  /**
   * Dynamic warm-up steps of the static estimators that learn, for weights and activations, unless
   * the spec says otherwise: an activation's range can jump several-fold between the first steps.
   */
  public static final int DEFAULT_WARMUP_STEPS = 3;

  /**
   * Dynamic warm-up steps of gradients' static estimators, unless the spec says otherwise: the
   * paper's step 0 only. A gradient's range changes as often late in training as early, so more
   * warm-up steps do not address an early-training effect, and each costs a dynamic quantization of
   * every gradient (docs/results.md, the robustness study).
   */
  public static final int DEFAULT_GRADIENT_WARMUP_STEPS = 1;

  /** Without {@code warmupSteps} (inherited). */
  public TensorQuantConfig(Boolean enabled, Integer bits, String estimator, String granularity, String rounding,
      Boolean symmetric, Double momentum, Integer historyLength, Integer margin, Double min, Double max, String warmup,
      Boolean steClip) {
    this(enabled, bits, estimator, granularity, rounding, symmetric, momentum, historyLength, margin, min, max, warmup,
        steClip, null);
  }

  /** Rejects unknown fields whatever the caller's ObjectMapper settings. */
  @JsonAnySetter
  private void rejectUnknown(String name, Object value) {
    throw new StrictJson.UnknownFieldException(name, TensorQuantConfig.class);
  }

  /** Built-in defaults of {@code kind} (every field set). */
  public static TensorQuantConfig defaults(QuantKind kind) {
    return switch (kind) {
      case WEIGHT -> new TensorQuantConfig(true, 8, "current-minmax", "per-channel", "nearest", true,
          0.9, 16, 0, null, null, "dynamic", false, DEFAULT_WARMUP_STEPS);
      case ACTIVATION -> new TensorQuantConfig(true, 8, "hindsight-minmax", "per-tensor", "nearest", false,
          0.9, 16, 0, null, null, "dynamic", true, DEFAULT_WARMUP_STEPS);
      case GRADIENT -> new TensorQuantConfig(true, 8, "hindsight-minmax", "per-tensor", "stochastic", true,
          0.9, 16, 0, null, null, "dynamic", false, DEFAULT_GRADIENT_WARMUP_STEPS);
    };
  }
}

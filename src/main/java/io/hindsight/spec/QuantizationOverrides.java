package io.hindsight.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Edits of a spec's {@code quantization} block shared by the command line ({@code --quantize},
 * {@code --estimator NAME}, {@code --bits N}, {@code compare}) and the service's comparisons, so a
 * comparison means the same thing wherever it is started.
 *
 * <p>An estimator applies to the activation and gradient quantizers (weights keep their own,
 * by default {@code current-minmax}: weights exist before they are used). Gradient-only estimators
 * ({@code dsgc}) change only the gradients; {@code amax-history} needs symmetric grids, so it
 * switches activations to symmetric.
 */
public final class QuantizationOverrides {
  private QuantizationOverrides() {}

  /** The spec's quantization object, created empty (INT8 defaults) if absent. */
  public static ObjectNode ensureQuantization(ObjectNode spec) {
    JsonNode q = spec.get("quantization");
    return q instanceof ObjectNode o ? o : spec.putObject("quantization");
  }

  /** Sets the estimator of activations and gradients (gradients only for {@code dsgc}). */
  public static void applyEstimator(ObjectNode quantization, String estimator) {
    if ("fixed".equals(estimator)) {
      throw new IllegalArgumentException("estimator 'fixed' needs explicit ranges: set quantization.<kind>.min/max"
          + " in the spec instead");
    }
    if (!"dsgc".equals(estimator)) {
      ObjectNode act = block(quantization, "activations");
      act.put("estimator", estimator);
      if ("amax-history".equals(estimator)) {
        act.put("symmetric", true);
      }
    }
    block(quantization, "gradients").put("estimator", estimator);
  }

  /** Sets the bits of every quantizer kind. */
  public static void applyBits(ObjectNode quantization, int bits) {
    for (String kind : new String[] {"weights", "activations", "gradients"}) {
      block(quantization, kind).put("bits", bits);
    }
  }

  private static ObjectNode block(ObjectNode q, String kind) {
    JsonNode b = q.get(kind);
    return b instanceof ObjectNode o ? o : q.putObject(kind);
  }
}

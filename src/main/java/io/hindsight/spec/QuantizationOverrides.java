package io.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Command-line shortcuts for the spec's {@code quantization} block: {@code --quantize} (INT8
 * defaults), {@code --estimator NAME} and {@code --bits N}.
 *
 * <p>An estimator applies to the activation and gradient quantizers (weights keep their own,
 * by default {@code current-minmax}: weights exist before they are used). Gradient-only estimators
 * ({@code dsgc}) change only the gradients; {@code amax-history} needs symmetric grids, so it
 * switches activations to symmetric.
 */
final class QuantFlags {
  private QuantFlags() {}

  static ObjectNode ensureQuantization(ObjectNode spec) {
    JsonNode q = spec.get("quantization");
    return q instanceof ObjectNode o ? o : spec.putObject("quantization");
  }

  static void applyEstimator(ObjectNode quantization, String estimator) {
    if ("fixed".equals(estimator)) {
      throw new Args.UsageException("estimator 'fixed' needs explicit ranges: set quantization.<kind>.min/max in the"
          + " spec instead of --estimator");
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

  static void applyBits(ObjectNode quantization, int bits) {
    for (String kind : new String[] {"weights", "activations", "gradients"}) {
      block(quantization, kind).put("bits", bits);
    }
  }

  private static ObjectNode block(ObjectNode q, String kind) {
    JsonNode b = q.get(kind);
    return b instanceof ObjectNode o ? o : q.putObject(kind);
  }
}

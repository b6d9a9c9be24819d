package io.hindsight.quant.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A per-layer override: its fields are merged onto the global blocks field by field.
 *
 * @param enabled false leaves the whole layer in full precision
 * @param weights overrides of the global {@code weights} block, or null
 * @param activations overrides of the global {@code activations} block, or null
 * @param gradients overrides of the global {@code gradients} block, or null
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayerQuantConfig(
    Boolean enabled, TensorQuantConfig weights, TensorQuantConfig activations, TensorQuantConfig gradients) {

  @JsonAnySetter
  private void rejectUnknown(String name, Object value) {
    throw new StrictJson.UnknownFieldException(name, LayerQuantConfig.class);
  }

  /** The override block of {@code kind}, or null. */
  public TensorQuantConfig block(QuantKind kind) {
    return switch (kind) {
      case WEIGHT -> weights;
      case ACTIVATION -> activations;
      case GRADIENT -> gradients;
    };
  }
}

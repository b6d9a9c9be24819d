package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.hindsight.quant.config.QuantizationConfig;

/**
 * A validated job spec with every default filled in: what a run actually used, recorded in
 * {@code result.json}'s provenance.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResolvedSpec(
    ModelSpec model,
    DatasetSpec dataset,
    TrainingSpec training,
    String backend,
    String engine,
    CheckpointSpec checkpoint,
    QuantizationConfig quantization,
    OutputSpec output) {

  /** Whether this job trains quantized (a quantization block is present and enabled). */
  @JsonIgnore
  public boolean quantized() {
    return quantization != null && quantization.isEnabled();
  }
}

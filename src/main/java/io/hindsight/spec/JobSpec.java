package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A training job: the one JSON document shared by {@code ./hindsight train --spec} and
 * {@code POST /api/v1/jobs}. Fields left out take the documented defaults;
 * {@link JobSpecs#resolve} fills them in and validates every value, naming the field of the first
 * problem.
 *
 * @param engine {@code hindsight} (our engine, default) or {@code djl} (the DJL/libtorch FP32
 *     baseline)
 * @param backend {@code cpu}, {@code cuda} or {@code auto} (cuda when available, else cpu)
 * @param quantization fully quantized training ({@link io.hindsight.quant.config.QuantizationConfig});
 *     absent means full precision (FP32)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobSpec(
    ModelSpec model,
    DatasetSpec dataset,
    TrainingSpec training,
    String backend,
    String engine,
    CheckpointSpec checkpoint,
    JsonNode quantization,
    OutputSpec output) {}

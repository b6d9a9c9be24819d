package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The {@code checkpoint} block: write a checkpoint every N steps (0 = only at epoch ends). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckpointSpec(Integer everySteps) {}

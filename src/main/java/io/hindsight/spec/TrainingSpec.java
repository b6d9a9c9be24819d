package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The {@code training} block: epochs, batch size, SGD hyper-parameters, learning-rate schedule
 * ({@code constant}, {@code step} with {@code stepEpochs}/{@code gamma}, {@code cosine}) with
 * linear warm-up over {@code warmupEpochs}, the seed, optionally the CPU thread count, and
 * {@code nonFinitePatience}: how many consecutive steps with a NaN/Inf loss are skipped before the
 * run fails (default 3).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingSpec(
    Integer epochs,
    Integer batchSize,
    Double learningRate,
    Double momentum,
    Boolean nesterov,
    Double weightDecay,
    String schedule,
    Double warmupEpochs,
    Integer stepEpochs,
    Double gamma,
    Long seed,
    Integer threads,
    Integer nonFinitePatience) {}

package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The {@code output} block: {@code rangeEvery} writes the {@code ranges.csv} rows of every N-th
 * step (default 10; 1 = every step).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OutputSpec(Integer rangeEvery) {}

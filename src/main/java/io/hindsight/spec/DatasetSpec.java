package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The {@code dataset} block: {@code name} ({@code fashion-mnist}, {@code mnist}, or
 * {@code synthetic}: generated data for smoke tests), optional {@code path} to a directory of IDX
 * files, {@code trainLimit}/{@code testLimit} (use only the first N examples) and {@code augment}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetSpec(String name, String path, Integer trainLimit, Integer testLimit, AugmentSpec augment) {}

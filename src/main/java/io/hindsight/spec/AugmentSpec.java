package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The {@code dataset.augment} block: random crop padding in pixels (0 = off) and horizontal flip. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AugmentSpec(Integer cropPadding, Boolean flip) {}

package io.hindsight.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The {@code model} block: {@code arch} (mlp, cnn, resnet20, mobilenetv2), {@code width}
 * (channel multiplier, default 1.0) and {@code dropout} (before the classifier of mlp/cnn,
 * default 0).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(String arch, Double width, Double dropout) {}

package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/** Named non-trainable state saved in checkpoints, e.g. {@code bn1.runningMean}. */
public record Buffer(String name, Tensor value) {}

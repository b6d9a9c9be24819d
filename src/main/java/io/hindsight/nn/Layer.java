package io.hindsight.nn;

import io.hindsight.tensor.Tensor;
import java.util.List;

/**
 * One differentiable building block with a paired forward and backward pass (llm.c style).
 *
 * <p>{@link #forward} saves what {@link #backward} needs (documented per layer) and
 * {@link #backward} consumes the gradient of the loss with respect to the output, {@code dY},
 * accumulates parameter gradients into {@link Parameter#grad()} (overwriting: one backward per
 * forward) and returns {@code dX}. A layer is called with one batch at a time.
 */
public interface Layer {

  /** Hierarchical name, e.g. {@code stage2.block0.conv1}; quantizers are named after it. */
  String name();

  Tensor forward(Tensor x, boolean training);

  Tensor backward(Tensor dY);

  /** Trainable parameters, in a stable order. */
  default List<Parameter> parameters() {
    return List.of();
  }

  /** Non-trainable state that belongs in a checkpoint (e.g. BatchNorm running statistics). */
  default List<Buffer> buffers() {
    return List.of();
  }

  /** Direct sub-layers of a composite layer, in execution order. */
  default List<Layer> children() {
    return List.of();
  }
}

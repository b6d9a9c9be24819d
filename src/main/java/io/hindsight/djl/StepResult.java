package io.hindsight.djl;

import io.hindsight.tensor.Tensor;
import java.util.Map;

/**
 * What one libtorch forward + backward pass produced, copied to our tensors so that tests can
 * compare it with our engine value by value.
 *
 * @param loss the differentiated scalar: the mean cross-entropy, or {@code sum(y * dY)} for a
 *     vector-Jacobian product
 * @param output the forward output {@code y} (logits for a classifier)
 * @param inputGradient the gradient with respect to the input {@code x}
 * @param gradients every parameter's gradient, by our parameter name, in model order
 */
public record StepResult(float loss, Tensor output, Tensor inputGradient, Map<String, Tensor> gradients) {

  /** The gradient of the parameter named {@code name}; throws naming it if absent. */
  public Tensor gradient(String name) {
    Tensor g = gradients.get(name);
    if (g == null) {
      throw new IllegalArgumentException("no gradient for parameter '" + name + "'; have " + gradients.keySet());
    }
    return g;
  }
}

package io.hindsight.djl;

import ai.djl.ndarray.NDArray;

/**
 * Mean softmax cross-entropy with libtorch ops, the reference for our
 * {@link io.hindsight.nn.SoftmaxCrossEntropy}: {@code mean_i(-log_softmax(z_i)[label_i])}.
 */
final class DjlCrossEntropy {
  private DjlCrossEntropy() {}

  /**
   * @param logits {@code (N, K)} float32
   * @param labels {@code (N)} integer class indices in {@code [0, K)}
   * @return the scalar mean loss, in {@code logits}' manager
   */
  static NDArray meanLoss(NDArray logits, NDArray labels) {
    if (logits.getShape().dimension() != 2) {
      throw new IllegalArgumentException("logits must be (N, K) but got " + logits.getShape());
    }
    long n = logits.getShape().get(0);
    int k = Math.toIntExact(logits.getShape().get(1));
    if (labels.getShape().dimension() != 1 || labels.getShape().get(0) != n) {
      throw new IllegalArgumentException("labels must be (" + n + ") but got " + labels.getShape());
    }
    NDArray logProbs = logits.logSoftmax(1); // (N, K)
    NDArray oneHot = labels.oneHot(k); // (N, K) float32
    return logProbs.mul(oneHot).sum(new int[] {1}).neg().mean(); // (N) -> ()
  }
}

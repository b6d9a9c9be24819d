package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/**
 * Mean softmax cross-entropy over a batch: logits {@code (N, K)}, integer labels {@code (N)}.
 * Saves the softmax probabilities; {@link #backward()} returns {@code dLogits = (p - onehot) / N}.
 */
public final class SoftmaxCrossEntropy {
  private Tensor savedProbs;
  private int[] savedLabels;
  private int savedCorrect;

  /** The mean loss of the batch; may be NaN/Inf if the logits are (the trainer reports it). */
  public float forward(Tensor logits, int[] labels) {
    logits.requireRank("logits", 2);
    int n = logits.dim(0);
    int k = logits.dim(1);
    if (labels.length != n) {
      throw new IllegalArgumentException("got " + labels.length + " labels for " + n + " logits rows");
    }
    Tensor probs = Tensor.zerosLike(logits);
    float[] z = logits.data();
    float[] p = probs.data();
    double loss = 0;
    int correct = 0;
    for (int i = 0; i < n; i++) {
      int label = labels[i];
      if (label < 0 || label >= k) {
        throw new IllegalArgumentException("label " + label + " at row " + i + " outside [0, " + k + ")");
      }
      int row = i * k;
      float max = Float.NEGATIVE_INFINITY;
      int argmax = 0;
      for (int j = 0; j < k; j++) {
        if (z[row + j] > max) {
          max = z[row + j];
          argmax = j;
        }
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += Math.exp(z[row + j] - max);
      }
      double logSum = Math.log(sum) + max;
      for (int j = 0; j < k; j++) {
        p[row + j] = (float) Math.exp(z[row + j] - logSum);
      }
      loss += logSum - z[row + label];
      if (argmax == label) {
        correct++;
      }
    }
    savedProbs = probs;
    savedLabels = labels.clone();
    savedCorrect = correct;
    return (float) (loss / n);
  }

  /** How many rows of the last forward had their label as the arg-max logit. */
  public int correct() {
    return savedCorrect;
  }

  /** {@code dLogits (N, K)} of the last forward. */
  public Tensor backward() {
    if (savedProbs == null) {
      throw new IllegalStateException("backward called before forward");
    }
    int n = savedProbs.dim(0);
    int k = savedProbs.dim(1);
    Tensor d = savedProbs.copy();
    float[] dd = d.data();
    float inv = 1f / n;
    for (int i = 0; i < n; i++) {
      dd[i * k + savedLabels[i]] -= 1f;
      for (int j = 0; j < k; j++) {
        dd[i * k + j] *= inv;
      }
    }
    return d;
  }
}

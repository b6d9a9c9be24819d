package io.hindsight.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;

/**
 * SGD on libtorch arrays with exactly our {@link io.hindsight.optim.Sgd} (and
 * {@code torch.optim.SGD}, dampening 0) semantics, so a DJL training step can be compared with
 * ours parameter by parameter:
 * <pre>
 *   g = grad + weightDecay * p
 *   v = first step ? g : momentum * v + g
 *   d = nesterov ? g + momentum * v : v
 *   p = p - lr * d
 * </pre>
 * Parameters and momentum buffers are updated in place, outside autograd.
 */
final class DjlSgd {
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;
  private final NDManager stateManager;
  private final Map<String, NDArray> velocity = new HashMap<>();

  /** Momentum buffers are allocated in {@code stateManager}, next to the parameters. */
  DjlSgd(NDManager stateManager, double momentum, boolean nesterov, double weightDecay) {
    if (momentum < 0 || momentum >= 1) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("nesterov requires momentum > 0");
    }
    this.stateManager = stateManager;
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
    this.weightDecay = (float) weightDecay;
  }

  /**
   * Updates every parameter with its current gradient; temporaries go to {@code scratch}, which
   * the caller closes.
   */
  void step(Map<String, NDArray> params, double lr, NDManager scratch) {
    float lrf = (float) lr;
    TorchRuntime.runWithoutGrad(() -> params.forEach((name, p) -> update(name, p, lrf, scratch)));
  }

  /** One parameter's update; every array below has the parameter's shape. */
  private void update(String name, NDArray p, float lr, NDManager scratch) {
    NDArray grad = p.getGradient(); // a new handle on p's .grad, owned by p's manager until attached
    grad.attach(scratch);
    NDArray g = grad;
    if (weightDecay != 0f) {
      g = p.mul(weightDecay); // new array in the parameter's manager
      g.attach(scratch);
      g.addi(grad);
    }
    NDArray d = g;
    if (momentum != 0f) {
      NDArray v = velocity.get(name);
      if (v == null) {
        v = g.duplicate();
        v.attach(stateManager);
        velocity.put(name, v);
      } else {
        v.muli(momentum).addi(g);
      }
      if (nesterov) {
        d = v.mul(momentum);
        d.attach(scratch);
        d.addi(g);
      } else {
        d = v;
      }
    }
    NDArray delta = d.mul(lr);
    delta.attach(scratch);
    p.subi(delta);
  }
}

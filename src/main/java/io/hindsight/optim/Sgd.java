package io.hindsight.optim;

import io.hindsight.nn.Parameter;
import io.hindsight.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay, with
 * PyTorch's {@code torch.optim.SGD} semantics (dampening 0):
 * <pre>
 *   g = grad + weightDecay * p
 *   v = first step ? g : momentum * v + g
 *   d = nesterov ? g + momentum * v : v
 *   p = p - lr * d
 * </pre>
 * The momentum buffers are the optimizer state saved in checkpoints.
 */
public final class Sgd {
  private final List<Parameter> params;
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;
  private final Map<String, Tensor> velocity = new LinkedHashMap<>();

  public Sgd(List<Parameter> params, double momentum, boolean nesterov, double weightDecay) {
    if (momentum < 0 || momentum >= 1) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("nesterov requires momentum > 0");
    }
    this.params = new ArrayList<>(params);
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
    this.weightDecay = (float) weightDecay;
  }

  /** Applies one update with learning rate {@code lr} using each parameter's current gradient. */
  public void step(double lr) {
    float lrf = (float) lr;
    for (Parameter p : params) {
      float[] w = p.value().data();
      float[] g = p.grad().data();
      Tensor vt = velocity.get(p.name());
      boolean first = vt == null && momentum != 0f;
      if (momentum != 0f && vt == null) {
        vt = Tensor.zerosLike(p.value());
        velocity.put(p.name(), vt);
      }
      float[] v = vt == null ? null : vt.data();
      for (int i = 0; i < w.length; i++) {
        float gi = g[i] + weightDecay * w[i];
        float d = gi;
        if (v != null) {
          v[i] = first ? gi : momentum * v[i] + gi;
          d = nesterov ? gi + momentum * v[i] : v[i];
        }
        w[i] -= lrf * d;
      }
    }
  }

  /** Momentum buffers by parameter name (live views, for checkpoints). */
  public Map<String, Tensor> state() {
    return velocity;
  }

  /** Restores momentum buffers saved by {@link #state()}. */
  public void restore(Map<String, Tensor> state) {
    velocity.clear();
    for (Parameter p : params) {
      Tensor t = state.get(p.name());
      if (t != null) {
        if (!t.sameShape(p.value())) {
          throw new IllegalArgumentException("momentum buffer " + p.name() + " has shape " + t
              + " but the parameter is " + p.value());
        }
        velocity.put(p.name(), t.copy());
      }
    }
  }
}

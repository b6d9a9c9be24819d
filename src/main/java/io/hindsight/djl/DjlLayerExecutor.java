package io.hindsight.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Dropout;
import io.hindsight.nn.Flatten;
import io.hindsight.nn.GlobalAvgPool;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Linear;
import io.hindsight.nn.Pool2d;
import io.hindsight.nn.Residual;
import io.hindsight.nn.Sequential;

/**
 * Runs one of our layer trees with DJL/libtorch operators on the arrays of a {@link DjlState}:
 * each of our layers maps to the libtorch op with the same semantics (convolution, linear,
 * batch_norm, max/avg pooling, relu, ...), so autograd through these ops is an independent
 * reference for our hand-written backward passes.
 *
 * <p>Quantization hooks of our layers are not applied: this is the full-precision reference.
 * Dropout uses libtorch's own dropout (same distribution, different random masks than ours).
 */
final class DjlLayerExecutor {
  private final DjlState state;

  DjlLayerExecutor(DjlState state) {
    this.state = state;
  }

  /** Throws, naming the layer, if the tree holds a layer this executor cannot run. */
  static void validate(Layer layer) {
    if (layer instanceof Sequential || layer instanceof Residual) {
      for (Layer child : layer.children()) {
        validate(child);
      }
    } else if (layer instanceof io.hindsight.nn.Activation act) {
      float upper = act.upper();
      if (upper != Float.POSITIVE_INFINITY && upper != 6f) {
        throw new IllegalArgumentException(layer.name() + ": DJL reference supports ReLU and ReLU6 only, got a clamp at "
            + upper);
      }
    } else if (!(layer instanceof Conv2d || layer instanceof Linear || layer instanceof BatchNorm2d
        || layer instanceof Pool2d || layer instanceof GlobalAvgPool || layer instanceof Flatten
        || layer instanceof Dropout)) {
      throw new IllegalArgumentException(layer.name() + ": layer type " + layer.getClass().getSimpleName()
          + " has no DJL equivalent");
    }
  }

  /** The output of {@code layer} for {@code x}; intermediates belong to {@code x}'s manager. */
  NDArray forward(Layer layer, NDArray x, boolean training) {
    if (layer instanceof Sequential seq) {
      NDArray h = x;
      for (Layer child : seq.children()) {
        h = forward(child, h, training);
      }
      return h;
    }
    if (layer instanceof Residual res) {
      NDArray main = forward(res.main(), x, training);
      NDArray shortcut = res.shortcut() == null ? x : forward(res.shortcut(), x, training);
      if (!main.getShape().equals(shortcut.getShape())) {
        throw new IllegalArgumentException(res.name() + ": branch shapes differ: main " + main.getShape()
            + " vs shortcut " + shortcut.getShape());
      }
      NDArray sum = main.add(shortcut);
      return res.post() == null ? sum : forward(res.post(), sum, training);
    }
    if (layer instanceof Conv2d conv) {
      return conv2d(conv, x);
    }
    if (layer instanceof Linear lin) {
      return linear(lin, x);
    }
    if (layer instanceof BatchNorm2d bn) {
      return batchNorm(bn, x, training);
    }
    if (layer instanceof io.hindsight.nn.Activation act) {
      // relu6 is DJL's min(relu(x), 6): exactly at x == 6 libtorch's minimum splits the gradient
      // (0.5) where nn.ReLU6 and our layer pass 0; measure-zero for real data.
      return act.upper() == 6f ? Activation.relu6(x) : Activation.relu(x);
    }
    if (layer instanceof Pool2d pool) {
      return pool(pool, x);
    }
    if (layer instanceof GlobalAvgPool) {
      requireRank(layer.name(), x, 4);
      // (N, C, H, W) -> (N, C, 1, 1) or (N, C) depending on the engine -> (N, C)
      return Pool.globalAvgPool2d(x).reshape(x.getShape().get(0), x.getShape().get(1));
    }
    if (layer instanceof Flatten) {
      // (N, ...) -> (N, prod(...))
      return x.reshape(x.getShape().get(0), -1);
    }
    if (layer instanceof Dropout drop) {
      return drop.probability() == 0f ? x
          : ai.djl.nn.norm.Dropout.dropout(x, drop.probability(), training).singletonOrThrow();
    }
    validate(layer);
    throw new IllegalStateException(layer.name() + ": validated layer type without a DJL mapping");
  }

  private NDArray conv2d(Conv2d conv, NDArray x) {
    requireRank(conv.name(), x, 4);
    if (x.getShape().get(1) != conv.inChannels()) {
      throw new IllegalArgumentException(conv.name() + ": expected " + conv.inChannels() + " input channels but got "
          + x.getShape());
    }
    NDArray w = state.param(conv.weight().name()); // (outC, inC / groups, k, k)
    NDArray b = conv.bias() == null ? null : state.param(conv.bias().name()); // (outC)
    Shape stride = new Shape(conv.stride(), conv.stride());
    Shape padding = new Shape(conv.padding(), conv.padding());
    Shape dilation = new Shape(1, 1);
    // (N, inC, H, W) -> (N, outC, outH, outW)
    return ai.djl.nn.convolutional.Conv2d.conv2d(x, w, b, stride, padding, dilation, conv.groups()).singletonOrThrow();
  }

  private NDArray linear(Linear lin, NDArray x) {
    requireRank(lin.name(), x, 2);
    if (x.getShape().get(1) != lin.inFeatures()) {
      throw new IllegalArgumentException(lin.name() + ": expected (N, " + lin.inFeatures() + ") input but got "
          + x.getShape());
    }
    NDArray w = state.param(lin.weight().name()); // (out, in)
    // (N, in) -> (N, out): x W^T + b
    return lin.bias() == null
        ? ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow()
        : ai.djl.nn.core.Linear.linear(x, w, state.param(lin.bias().name())).singletonOrThrow();
  }

  private NDArray batchNorm(BatchNorm2d bn, NDArray x, boolean training) {
    requireRank(bn.name(), x, 4);
    NDArray gamma = state.param(bn.gamma().name()); // (C)
    NDArray beta = state.param(bn.beta().name()); // (C)
    NDArray runningMean = state.buffer(bn.name() + ".runningMean"); // (C), updated in place in training
    NDArray runningVar = state.buffer(bn.name() + ".runningVar"); // (C), unbiased batch variance blended in
    // DJL's momentum is the weight of the old running value (MXNet style); PyTorch's is the new one's.
    float djlMomentum = 1f - bn.momentum();
    // (N, C, H, W) -> (N, C, H, W), channel axis 1
    return ai.djl.nn.norm.BatchNorm.batchNorm(x, runningMean, runningVar, gamma, beta, 1, djlMomentum, bn.eps(), training)
        .singletonOrThrow();
  }

  private static NDArray pool(Pool2d pool, NDArray x) {
    requireRank(pool.name(), x, 4);
    Shape kernel = new Shape(pool.kernel(), pool.kernel());
    Shape stride = new Shape(pool.stride(), pool.stride());
    Shape padding = new Shape(pool.padding(), pool.padding());
    // (N, C, H, W) -> (N, C, outH, outW), floor mode; average counts the zero padding like ours
    return pool.kind() == Pool2d.Kind.MAX
        ? Pool.maxPool2d(x, kernel, stride, padding, false)
        : Pool.avgPool2d(x, kernel, stride, padding, false, true);
  }

  private static void requireRank(String name, NDArray x, int rank) {
    if (x.getShape().dimension() != rank) {
      throw new IllegalArgumentException(name + ": expected a rank-" + rank + " input but got " + x.getShape());
    }
  }
}

package io.hindsight.device.nn;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceTensor;
import io.hindsight.model.Model;
import io.hindsight.nn.Activation;
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
import io.hindsight.quant.LayerQuantHooks;
import io.hindsight.quant.QuantRoutes;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Model} on the device: the same layer tree, each layer replaced by its device twin, with
 * the parameters, their gradients, momentum and BatchNorm statistics held on the device
 * ({@link DeviceParameters}) for the whole run. Built from the host model, whose tensors are the
 * source at the start and the destination of {@link DeviceParameters#downloadTo}.
 */
public final class DeviceModel implements AutoCloseable {
  private final Model host;
  private final DeviceParameters params;
  private final DeviceLayer root;
  private final DeviceQuantization.ActivationQuantizer lossGradient;
  private final DeviceQuantization.ActivationQuantizer input;

  private DeviceModel(Model host, DeviceParameters params, DeviceLayer root,
      DeviceQuantization.ActivationQuantizer lossGradient, DeviceQuantization.ActivationQuantizer input) {
    this.host = host;
    this.params = params;
    this.root = root;
    this.lossGradient = lossGradient;
    this.input = input;
  }

  /**
   * Allocates the model's state on {@code kernels}' device (not yet uploaded: {@link DeviceParameters#upload}).
   *
   * @param withVelocity whether the optimizer keeps momentum buffers
   * @throws IllegalArgumentException for a layer type with no device twin
   */
  public static DeviceModel of(Model model, CudaKernels kernels, boolean withVelocity) {
    return of(model, kernels, withVelocity, null);
  }

  /**
   * As {@link #of(Model, CudaKernels, boolean)}, with the model's quantized layers (those whose
   * hooks are {@link LayerQuantHooks}) as integer device layers whose quantizers are registered in
   * {@code quantization}, and every producer wired to write codes for the quantized layer it feeds.
   *
   * @throws IllegalArgumentException when a layer or a quantizer setting has no device implementation
   *     (the message says which and why)
   */
  public static DeviceModel of(Model model, CudaKernels kernels, boolean withVelocity, DeviceQuantization quantization) {
    DeviceParameters params = new DeviceParameters(kernels.device(), model.parameters(), model.buffers(), withVelocity);
    try {
      QuantRoutes routes = quantization == null ? null : QuantRoutes.apply(model.root());
      Twins twins = new Twins(params, quantization, routes, new IdentityHashMap<>());
      DeviceLayer root = twins.twin(model.root());
      Wiring.Ends ends = quantization == null ? new Wiring.Ends(null, null)
          : Wiring.wire(routes, twins.made(), quantization);
      return new DeviceModel(model, params, root, ends.loss(), ends.input());
    } catch (RuntimeException e) {
      params.close();
      throw e;
    }
  }

  /** The quantizer of the gradient arriving at the model's last layer (the loss gradient's codes), or null. */
  public DeviceQuantization.ActivationQuantizer outputGradientQuantizer() {
    return lossGradient;
  }

  /**
   * The quantizer of the model's input when the host quantizes each batch as it uploads it (the
   * input's only reader is a quantized layer: {@link io.hindsight.quant.traffic.Route.Feed#HOST}),
   * else null (the images are uploaded in full precision).
   */
  public DeviceQuantization.ActivationQuantizer inputQuantizer() {
    return input;
  }

  /** Builds the device twin of each host layer, remembering them ({@code made}). */
  private record Twins(DeviceParameters p, DeviceQuantization q, QuantRoutes routes, Map<Layer, DeviceLayer> made) {
    DeviceLayer twin(Layer l) {
      DeviceLayer t = q == null ? null : quantizedTwin(l);
      if (t == null) {
        t = DeviceModel.twin(l, p, this::twin);
      }
      made.put(l, t);
      return t;
    }

    private DeviceLayer quantizedTwin(Layer l) {
      LayerQuantHooks h = QuantRoutes.hooks(l);
      if (h == null) {
        return null;
      }
      if (h.activationQuantizer() == null || h.weightQuantizer() == null || h.gradientQuantizer() == null) {
        throw new IllegalArgumentException(l.name() + ": the device's integer path needs the layer's weights,"
            + " activations and gradients all quantized (or the layer disabled)");
      }
      // the layer reading the model's input computes no input gradient, so a dense one needs no
      // transposed weight codes either
      boolean dX = routes.inputGradient(l);
      if (l instanceof Linear lin) {
        return new QuantizedLinear(lin, p, q.activation(h.activationQuantizer()),
            q.weight(h.weightQuantizer(), lin.weight().value(), p.value(lin.weight()), dX),
            q.activation(h.gradientQuantizer()), dX);
      }
      Conv2d c = (Conv2d) l;
      if (c.groups() == 1) {
        return new QuantizedConv2d(c, p, q.activation(h.activationQuantizer()),
            q.weight(h.weightQuantizer(), c.weight().value(), p.value(c.weight()), dX),
            q.activation(h.gradientQuantizer()), dX);
      }
      if (c.groups() == c.inChannels()) {
        return new QuantizedDepthwise(c, p, q.activation(h.activationQuantizer()),
            q.weight(h.weightQuantizer(), c.weight().value(), p.value(c.weight()), false),
            q.activation(h.gradientQuantizer()), dX);
      }
      throw new IllegalArgumentException(l.name() + ": grouped convolutions other than depthwise have no quantized"
          + " device implementation");
    }
  }

  private static DeviceLayer twin(Layer l, DeviceParameters p, java.util.function.Function<Layer, DeviceLayer> child) {
    if (l instanceof Sequential s) {
      List<DeviceLayer> children = new ArrayList<>();
      for (Layer c : s.children()) {
        children.add(child.apply(c));
      }
      return new DeviceSequential(s.name(), children);
    }
    if (l instanceof Residual r) {
      return new DeviceResidual(r.name(), child.apply(r.main()), r.shortcut() == null ? null
          : child.apply(r.shortcut()), r.post() == null ? null : child.apply(r.post()));
    }
    if (l instanceof Linear lin) {
      return new DeviceLinear(lin, p);
    }
    if (l instanceof Conv2d conv) {
      return new DeviceConv2d(conv, p);
    }
    if (l instanceof BatchNorm2d bn) {
      return new DeviceBatchNorm(bn, p);
    }
    if (l instanceof Activation a) {
      return new DeviceActivation(a);
    }
    if (l instanceof Pool2d pool) {
      return new DevicePool2d(pool);
    }
    if (l instanceof GlobalAvgPool gap) {
      return new DeviceGlobalAvgPool(gap);
    }
    if (l instanceof Flatten f) {
      return new DeviceFlatten(f);
    }
    if (l instanceof Dropout d) {
      return new DeviceDropout(d);
    }
    throw new IllegalArgumentException("layer " + l.name() + " (" + l.getClass().getSimpleName()
        + ") has no device implementation");
  }

  public Model host() {
    return host;
  }

  public DeviceParameters parameters() {
    return params;
  }

  /**
   * Logits {@code (N, classes)} of images {@code (N, C, H, W)}: their floats, or the codes of
   * {@link #inputQuantizer} ({@link DeviceQuantization.ActivationQuantizer#upload}).
   */
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    return root.forward(x, training, step);
  }

  /** Backpropagates {@code dLogits}; parameter gradients land in {@link DeviceParameters#flatGradients()}. */
  public DeviceTensor backward(DeviceTensor dLogits, StepContext step) {
    return root.backward(dLogits, step);
  }

  @Override
  public void close() {
    params.close();
  }
}

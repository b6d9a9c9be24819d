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
import java.util.ArrayList;
import java.util.List;

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

  private DeviceModel(Model host, DeviceParameters params, DeviceLayer root) {
    this.host = host;
    this.params = params;
    this.root = root;
  }

  /**
   * Allocates the model's state on {@code kernels}' device (not yet uploaded: {@link DeviceParameters#upload}).
   *
   * @param withVelocity whether the optimizer keeps momentum buffers
   * @throws IllegalArgumentException for a layer type with no device twin
   */
  public static DeviceModel of(Model model, CudaKernels kernels, boolean withVelocity) {
    DeviceParameters params = new DeviceParameters(kernels.device(), model.parameters(), model.buffers(), withVelocity);
    try {
      return new DeviceModel(model, params, twin(model.root(), params));
    } catch (RuntimeException e) {
      params.close();
      throw e;
    }
  }

  private static DeviceLayer twin(Layer l, DeviceParameters p) {
    if (l instanceof Sequential s) {
      List<DeviceLayer> children = new ArrayList<>();
      for (Layer c : s.children()) {
        children.add(twin(c, p));
      }
      return new DeviceSequential(s.name(), children);
    }
    if (l instanceof Residual r) {
      return new DeviceResidual(r.name(), twin(r.main(), p), r.shortcut() == null ? null : twin(r.shortcut(), p),
          r.post() == null ? null : twin(r.post(), p));
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

  /** Logits {@code (N, classes)} of images {@code (N, C, H, W)}. */
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

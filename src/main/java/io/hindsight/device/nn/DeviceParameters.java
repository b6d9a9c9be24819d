package io.hindsight.device.nn;

import io.hindsight.device.Device;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.nn.Buffer;
import io.hindsight.nn.Parameter;
import io.hindsight.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's trainable state on the device for the whole run: every parameter's values, gradients
 * and momentum in three flat buffers (one slice per parameter, 256-byte aligned, padding zero), so
 * that the gradients' finite check and the SGD update are one launch each; and the non-trainable
 * buffers (BatchNorm running statistics) in their own allocations. Owns its memory (a persistent
 * {@link DeviceScope}); {@link #close()} frees it.
 *
 * <p>Host copies happen only at the start ({@link #upload}), for checkpoints, evaluation results
 * and the model artifact ({@link #downloadTo}), never per step.
 */
public final class DeviceParameters implements AutoCloseable {
  private static final int ALIGN_FLOATS = 64; // 256 bytes

  private final DeviceScope scope;
  private final List<Parameter> params;
  private final Map<Parameter, Integer> offsets = new IdentityHashMap<>();
  private final Map<Tensor, DeviceBuffer> buffers = new IdentityHashMap<>();
  private final Map<String, Tensor> bufferByName = new LinkedHashMap<>();
  private final int totalFloats;
  private final DeviceBuffer values;
  private final DeviceBuffer grads;
  private final DeviceBuffer velocity;

  /**
   * Allocates the flat buffers for {@code params} and one buffer per host {@code buffers} entry;
   * {@code withVelocity} when the optimizer keeps momentum.
   */
  public DeviceParameters(Device device, List<Parameter> params, List<Buffer> hostBuffers, boolean withVelocity) {
    this.scope = device.scope("parameters");
    this.params = List.copyOf(params);
    int off = 0;
    for (Parameter p : params) {
      offsets.put(p, off);
      off += align(p.value().size());
    }
    this.totalFloats = Math.max(off, 1);
    try {
      this.values = scope.floats(totalFloats, "parameter values");
      this.grads = scope.floats(totalFloats, "parameter gradients");
      this.velocity = withVelocity ? scope.floats(totalFloats, "momentum") : null;
      for (Buffer b : hostBuffers) {
        buffers.put(b.value(), scope.floats(b.value().size(), b.name()));
        bufferByName.put(b.name(), b.value());
      }
    } catch (RuntimeException e) {
      scope.close();
      throw e;
    }
  }

  private static int align(int n) {
    return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
  }

  private int offset(Parameter p) {
    Integer o = offsets.get(p);
    if (o == null) {
      throw new IllegalArgumentException("parameter " + p.name() + " is not on the device");
    }
    return o;
  }

  /** The device values of {@code p}. */
  public DeviceBuffer value(Parameter p) {
    return values.slice(4L * offset(p), 4L * p.value().size());
  }

  /** The device gradient of {@code p}. */
  public DeviceBuffer grad(Parameter p) {
    return grads.slice(4L * offset(p), 4L * p.value().size());
  }

  /** The device copy of a host buffer (e.g. a BatchNorm running mean). */
  public DeviceBuffer buffer(Tensor host) {
    DeviceBuffer b = buffers.get(host);
    if (b == null) {
      throw new IllegalArgumentException("buffer " + host + " is not on the device");
    }
    return b;
  }

  /** All values, gradients and momentum as flat buffers of {@link #flatSize()} floats (padding included). */
  public DeviceBuffer flatValues() {
    return values;
  }

  public DeviceBuffer flatGradients() {
    return grads;
  }

  /** The flat momentum buffer, or null without momentum. */
  public DeviceBuffer flatVelocity() {
    return velocity;
  }

  public int flatSize() {
    return totalFloats;
  }

  private float[] flat(Map<String, Tensor> byName) {
    float[] h = new float[totalFloats];
    for (Parameter p : params) {
      Tensor t = byName == null ? p.value() : byName.get(p.name());
      if (t != null) {
        System.arraycopy(t.data(), 0, h, offsets.get(p), t.size());
      }
    }
    return h;
  }

  /**
   * Copies the host parameters and buffers to the device, zeroes the gradients, and sets the
   * momentum from {@code hostVelocity} (by parameter name; missing entries zero).
   */
  public void upload(Map<String, Tensor> hostVelocity) {
    values.upload(flat(null));
    grads.upload(new float[totalFloats]);
    if (velocity != null) {
      velocity.upload(flat(hostVelocity == null ? Map.of() : hostVelocity));
    }
    for (Map.Entry<Tensor, DeviceBuffer> e : buffers.entrySet()) {
      e.getValue().upload(e.getKey().data());
    }
  }

  /** Copies parameters and buffers back into the host tensors; returns the momentum by parameter name (null without). */
  public Map<String, Tensor> downloadTo() {
    float[] h = new float[totalFloats];
    values.download(h);
    for (Parameter p : params) {
      System.arraycopy(h, offsets.get(p), p.value().data(), 0, p.value().size());
    }
    for (Map.Entry<Tensor, DeviceBuffer> e : buffers.entrySet()) {
      e.getValue().download(e.getKey().data());
    }
    if (velocity == null) {
      return null;
    }
    velocity.download(h);
    Map<String, Tensor> v = new LinkedHashMap<>();
    for (Parameter p : params) {
      Tensor t = Tensor.zerosLike(p.value());
      System.arraycopy(h, offsets.get(p), t.data(), 0, t.size());
      v.put(p.name(), t);
    }
    return v;
  }

  @Override
  public void close() {
    scope.close();
  }
}

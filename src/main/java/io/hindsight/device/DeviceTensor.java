package io.hindsight.device;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dense row-major tensor in device memory: a shape, an element type and the buffer holding it.
 * A thin view like the host {@code Tensor}: {@link #reshape} shares the buffer. Who owns the
 * memory is the {@link DeviceScope} that allocated the buffer (parameters persist for the run,
 * activations for one step).
 */
public final class DeviceTensor {
  /** Element types of device tensors. */
  public enum DType {
    F32(4), S8(1), I32(4);

    private final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }

    public int bytes() {
      return bytes;
    }
  }

  /**
   * The int8 codes of a tensor as one quantizer quantized it (by the kernel that produced the
   * tensor, or by the quantizer itself): the codes, the clipping STE mask (one bit per element,
   * nullable), the per-tensor parameters, and the quantizer ({@code owner}) they belong to.
   */
  public record Quantized(DeviceBuffer codes, DeviceBuffer mask, io.hindsight.quant.math.QuantParams params,
      Object owner) {}

  private final DeviceBuffer buffer;
  private final DType dtype;
  private final int[] shape;
  private final List<Quantized> quantized; // the codes producers wrote, one per quantizer

  private DeviceTensor(DeviceBuffer buffer, DType dtype, int[] shape) {
    this(buffer, dtype, shape, List.of());
  }

  private DeviceTensor(DeviceBuffer buffer, DType dtype, int[] shape, List<Quantized> quantized) {
    this.buffer = buffer;
    this.dtype = dtype;
    this.shape = shape;
    this.quantized = quantized;
  }

  /** A tensor known only by its int8 codes (its full-precision values were never written). */
  public static DeviceTensor codes(Quantized q, int... shape) {
    return new DeviceTensor(q.codes(), DType.S8, shape.clone(), List.of(q));
  }

  /**
   * A tensor known only by the codes of two quantizers (a residual block's input for its main branch
   * and its shortcut convolution); its buffer is the first's codes.
   */
  public static DeviceTensor codes(Quantized q, Quantized second, int... shape) {
    return new DeviceTensor(q.codes(), DType.S8, shape.clone(), List.of(q, second));
  }

  /** This float tensor with the int8 codes of one or more quantizers attached (the producer wrote them all). */
  public DeviceTensor withQuantized(Quantized... q) {
    return new DeviceTensor(buffer, dtype, shape, List.of(q));
  }

  /** The int8 codes the producing kernel wrote for quantizer {@code owner}, or null. */
  public Quantized quantized(Object owner) {
    for (Quantized q : quantized) {
      if (q.owner() == owner) {
        return q;
      }
    }
    return null;
  }

  /** The buffers holding this tensor: its values (or codes) and the codes attached to it. */
  public List<DeviceBuffer> buffers() {
    List<DeviceBuffer> b = new ArrayList<>(1 + quantized.size());
    b.add(buffer);
    for (Quantized q : quantized) {
      b.add(q.codes());
    }
    return b;
  }

  /** Whether one of this tensor's buffers is (part of) the allocation of {@code b}. */
  public boolean shares(DeviceBuffer b) {
    if (buffer.id() == b.id()) {
      return true;
    }
    for (Quantized q : quantized) {
      if (q.codes().id() == b.id()) {
        return true;
      }
    }
    return false;
  }

  /** Whether the full-precision values exist (false for codes only). */
  public boolean hasFloats() {
    return dtype == DType.F32;
  }

  /** Wraps {@code buffer}, which must hold at least the shape's elements. */
  public static DeviceTensor of(DeviceBuffer buffer, DType dtype, int... shape) {
    long size = size(shape);
    if (buffer.bytes() < size * dtype.bytes()) {
      throw new IllegalArgumentException("device buffer " + buffer.describe() + " cannot hold a " + dtype + " tensor "
          + Arrays.toString(shape));
    }
    return new DeviceTensor(buffer, dtype, shape.clone());
  }

  /** A new float32 tensor allocated in {@code scope} (contents undefined). */
  public static DeviceTensor floats(DeviceScope scope, String label, int... shape) {
    return new DeviceTensor(scope.floats(size(shape), label), DType.F32, shape.clone());
  }

  private static long size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    return n;
  }

  public DeviceBuffer buffer() {
    return buffer;
  }

  public DType dtype() {
    return dtype;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis < 0 ? shape.length + axis : axis];
  }

  /** Number of elements. */
  public long size() {
    return size(shape);
  }

  /** A view with another shape of the same size (one dimension may be -1). */
  public DeviceTensor reshape(int... newShape) {
    int[] s = newShape.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        infer = i;
      } else {
        known *= s[i];
      }
    }
    if (infer >= 0) {
      s[infer] = (int) (size() / known);
    }
    if (size(s) != size()) {
      throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
    }
    return new DeviceTensor(buffer, dtype, s, quantized);
  }

  /** Throws unless the shape is exactly {@code expected}. */
  public DeviceTensor requireShape(String what, int... expected) {
    if (!Arrays.equals(shape, expected)) {
      throw new IllegalArgumentException(what + ": expected shape " + Arrays.toString(expected) + " but got "
          + Arrays.toString(shape));
    }
    return this;
  }

  @Override
  public String toString() {
    return "DeviceTensor" + Arrays.toString(shape) + " " + dtype + " in " + buffer.describe();
  }
}

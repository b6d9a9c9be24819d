package io.hindsight.device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The arguments of one kernel launch, in the kernel's parameter order, each with the parameter's
 * name as the CUDA source declares it, so that a device can check a launch against the kernel's
 * signature ({@link KernelSignatures}) by name and type, not only by size.
 */
public final class KernelArgs {
  /** One argument: a {@link DeviceBuffer} (or null) for pointers, a boxed number otherwise. */
  public record Arg(String name, ArgType type, Object value) {}

  private final List<Arg> args = new ArrayList<>();

  public KernelArgs i32(String name, int v) {
    args.add(new Arg(name, ArgType.I32, v));
    return this;
  }

  public KernelArgs i64(String name, long v) {
    args.add(new Arg(name, ArgType.I64, v));
    return this;
  }

  public KernelArgs f32(String name, float v) {
    args.add(new Arg(name, ArgType.F32, v));
    return this;
  }

  /** A boolean passed as the kernels' {@code int} flag (1 or 0). */
  public KernelArgs flag(String name, boolean v) {
    return i32(name, v ? 1 : 0);
  }

  /** A device pointer argument; null passes the null pointer. */
  public KernelArgs ptr(String name, DeviceBuffer b) {
    args.add(new Arg(name, ArgType.POINTER, b));
    return this;
  }

  public List<Arg> list() {
    return Collections.unmodifiableList(args);
  }

  public int size() {
    return args.size();
  }

  public Arg get(int i) {
    return args.get(i);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < args.size(); i++) {
      Arg a = args.get(i);
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(a.name()).append('=');
      sb.append(a.type() == ArgType.POINTER ? (a.value() == null ? "null" : ((DeviceBuffer) a.value()).label()) : a.value());
    }
    return sb.append(')').toString();
  }
}

package io.hindsight.device.sim;

import io.hindsight.device.DeviceException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every kernel's Java reference by kernel name (a test checks that each declared kernel has one). */
public final class KernelReferences {
  private static final Map<String, KernelReference> REFS;

  static {
    Map<String, KernelReference> m = new LinkedHashMap<>();
    QuantizeKernelsRef.register(m);
    GemmS8Ref.register(m);
    SgemmRef.register(m);
    ConvRef.register(m);
    NormPoolRef.register(m);
    LossOptimRef.register(m);
    ElementwiseRef.register(m);
    REFS = Map.copyOf(m);
  }

  private KernelReferences() {}

  /** The reference of {@code kernel}. */
  public static KernelReference of(String kernel) {
    KernelReference r = REFS.get(kernel);
    if (r == null) {
      throw new DeviceException("the software device has no reference for kernel " + kernel);
    }
    return r;
  }

  /** The names of every kernel with a reference. */
  public static java.util.Set<String> kernels() {
    return REFS.keySet();
  }
}

package io.hindsight.device;

import java.util.List;

/**
 * A kernel's parameter list as its CUDA source declares it.
 *
 * @param kernel the {@code extern "C"} name
 * @param file the source file declaring it
 * @param params the parameters in order
 */
public record KernelSignature(String kernel, String file, List<Param> params) {

  /**
   * One parameter.
   *
   * @param name the declared name
   * @param type its type class
   * @param readOnly a pointer to {@code const} data (the kernel never writes through it)
   * @param declaration the declaration as written, e.g. {@code const float* __restrict__ x}
   */
  public record Param(String name, ArgType type, boolean readOnly, String declaration) {}

  public KernelSignature {
    params = List.copyOf(params);
  }

  /**
   * Checks a launch's arguments against this signature: their count, each name and each type.
   *
   * @throws DeviceException naming the kernel, the position, and both sides of the first mismatch
   */
  public void check(KernelArgs args) {
    if (args.size() != params.size()) {
      throw new DeviceException("launch of " + kernel + " (" + file + ") passes " + args.size() + " arguments but the"
          + " kernel takes " + params.size() + ": " + names());
    }
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      KernelArgs.Arg a = args.get(i);
      if (!p.name().equals(a.name()) || p.type() != a.type()) {
        throw new DeviceException("launch of " + kernel + ": argument " + (i + 1) + " is '" + p.declaration()
            + "' (" + p.type().cName() + ") in " + file + " but the host passed '" + a.name() + "' ("
            + a.type().cName() + ")");
      }
    }
  }

  /** The parameter names in order. */
  public List<String> names() {
    return params.stream().map(Param::name).toList();
  }
}

package io.hindsight.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Builds the {@code kernelParams} array of {@code cuLaunchKernel}: one pointer per argument, to a
 * host copy of its value, in the kernel's parameter order.
 */
final class KernelArgs {
  private final List<NativePointerObject> args = new ArrayList<>();
  private final List<Integer> sizes = new ArrayList<>();

  KernelArgs i32(int v) {
    args.add(Pointer.to(new int[] {v}));
    sizes.add(4);
    return this;
  }

  KernelArgs i64(long v) {
    args.add(Pointer.to(new long[] {v}));
    sizes.add(8);
    return this;
  }

  KernelArgs f32(float v) {
    args.add(Pointer.to(new float[] {v}));
    sizes.add(4);
    return this;
  }

  KernelArgs flag(boolean v) {
    return i32(v ? 1 : 0);
  }

  /** A device pointer argument; null passes the null pointer. */
  KernelArgs ptr(DeviceBuffer b) {
    args.add(Pointer.to(b == null ? new CUdeviceptr() : b.pointer()));
    sizes.add(8);
    return this;
  }

  /** Byte size of each argument in order (checked against the PTX signatures by the tests). */
  int[] sizes() {
    return sizes.stream().mapToInt(Integer::intValue).toArray();
  }

  Pointer build() {
    return Pointer.to(args.toArray(new NativePointerObject[0]));
  }
}

package io.hindsight.cuda;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.KernelArgs;
import java.nio.ByteBuffer;
import java.util.function.ToLongBiFunction;

/**
 * A launch's arguments packed as the kernel's parameter buffer, the layout {@code cuLaunchKernel}
 * takes through {@code CU_LAUNCH_PARAM_BUFFER_POINTER}: in declaration order, each parameter at the
 * next offset that is a multiple of its own size (pointers and {@code long long} 8 bytes, {@code int}
 * and {@code float} 4), as the kernel's {@code .param} space lays them out. One buffer per launch
 * crosses JNI instead of one array per argument.
 */
final class ParamBuffer {
  private ParamBuffer() {}

  /**
   * Writes {@code args} into {@code out} (native byte order, from position 0; its position is left
   * unchanged) and returns the bytes used; {@code address} gives a pointer argument's device address
   * from the argument's name and buffer (a null pointer argument passes 0).
   */
  static int pack(KernelArgs args, ToLongBiFunction<String, DeviceBuffer> address, ByteBuffer out) {
    int offset = 0;
    for (int i = 0; i < args.size(); i++) {
      KernelArgs.Arg a = args.get(i);
      int size = a.type().bytes();
      offset = (offset + size - 1) / size * size;
      if (offset + size > out.capacity()) {
        throw new IllegalArgumentException("kernel arguments need more than " + out.capacity() + " bytes");
      }
      switch (a.type()) {
        case POINTER -> {
          DeviceBuffer b = (DeviceBuffer) a.value();
          out.putLong(offset, b == null ? 0L : address.applyAsLong(a.name(), b));
        }
        case I32 -> out.putInt(offset, (Integer) a.value());
        case I64 -> out.putLong(offset, (Long) a.value());
        case F32 -> out.putFloat(offset, (Float) a.value());
      }
      offset += size;
    }
    return offset;
  }
}

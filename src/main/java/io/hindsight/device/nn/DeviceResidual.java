package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import java.util.Arrays;

/**
 * Residual add on the device: {@code y = post(main(x) + shortcut(x))} (shortcut null: identity;
 * post null: no activation). Backward sends the sum's gradient to both branches and adds their
 * input gradients ({@code add_tensors}).
 */
final class DeviceResidual implements DeviceLayer {
  private final String name;
  private final DeviceLayer main;
  private final DeviceLayer shortcut;
  private final DeviceLayer post;

  DeviceResidual(String name, DeviceLayer main, DeviceLayer shortcut, DeviceLayer post) {
    this.name = name;
    this.main = main;
    this.shortcut = shortcut;
    this.post = post;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    DeviceTensor a = main.forward(x, training, step);
    DeviceTensor b = shortcut == null ? x : shortcut.forward(x, training, step);
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalArgumentException(name + ": branch shapes differ: main " + a + " vs shortcut " + b);
    }
    DeviceTensor sum = step.floats(name + " sum", a.shape());
    step.kernels().add(a.buffer(), b.buffer(), sum.buffer(), sum.size());
    return post == null ? sum : post.forward(sum, training, step);
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    DeviceTensor dSum = post == null ? dY : post.backward(dY, step);
    DeviceTensor dMain = main.backward(dSum, step);
    DeviceTensor dShort = shortcut == null ? dSum : shortcut.backward(dSum, step);
    DeviceTensor dX = step.floats(name + " dX", dMain.shape());
    step.kernels().add(dMain.buffer(), dShort.buffer(), dX.buffer(), dX.size());
    return dX;
  }
}

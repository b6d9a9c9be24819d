package io.hindsight.device.nn;

import io.hindsight.cuda.QuantOut;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import java.util.Arrays;

/**
 * Residual add on the device: {@code y = post(main(x) + shortcut(x))} (shortcut null: identity;
 * post null: no activation). Backward sends the sum's gradient to both branches and adds their
 * input gradients ({@code add_tensors}). When its output feeds a quantized layer, the sum and the
 * post activation are one kernel that also writes the codes ({@code add_act_quant_fwd}), with a
 * byte mask in place of the activation's saved input.
 */
final class DeviceResidual implements DeviceLayer, QuantProducer {
  private final String name;
  private final DeviceLayer main;
  private final DeviceLayer shortcut;
  private final DeviceLayer post;
  private final float postUpper; // NaN: post is not an activation (or absent)
  private DeviceQuantization.ActivationQuantizer consumer;
  private boolean floatNeeded;
  private DeviceTensor savedActMask;

  DeviceResidual(String name, DeviceLayer main, DeviceLayer shortcut, DeviceLayer post) {
    this.name = name;
    this.main = main;
    this.shortcut = shortcut;
    this.post = post;
    this.postUpper = post instanceof DeviceActivation a ? a.upper() : Float.NaN;
  }

  @Override
  public String name() {
    return name;
  }

  DeviceLayer main() {
    return main;
  }

  DeviceLayer shortcut() {
    return shortcut;
  }

  /** The fused add writes codes when the post step is an activation or absent. */
  @Override
  public boolean produceFor(DeviceQuantization.ActivationQuantizer c, boolean floatNeeded) {
    if (post != null && Float.isNaN(postUpper)) {
      return false;
    }
    this.consumer = c;
    this.floatNeeded = floatNeeded;
    return true;
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    DeviceTensor a = main.forward(x, training, step);
    DeviceTensor b = shortcut == null ? x : shortcut.forward(x, training, step);
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalArgumentException(name + ": branch shapes differ: main " + a + " vs shortcut " + b);
    }
    savedActMask = null;
    DeviceQuantization.ActivationQuantizer.Fused f = consumer == null ? null : consumer.fusedTarget(step, a.size());
    if (f != null) {
      boolean act = post != null;
      DeviceTensor y = floatNeeded ? step.floats(name + " output", a.shape()) : null;
      DeviceBuffer mask = act ? step.scope().bytes(a.size(), name + " activation mask") : null;
      step.kernels().addActQuantForward(a.buffer(), b.buffer(), y == null ? null : y.buffer(), mask, a.size(), act,
          act ? postUpper : 0f, f.out());
      savedActMask = act ? DeviceTensor.of(mask, DeviceTensor.DType.S8, a.shape()) : null;
      return y == null ? DeviceTensor.codes(f.form(), a.shape()) : y.withQuantized(f.form());
    }
    DeviceTensor sum = step.floats(name + " sum", a.shape());
    step.kernels().add(a.buffer(), b.buffer(), sum.buffer(), sum.size());
    return post == null ? sum : post.forward(sum, training, step);
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    DeviceTensor dSum;
    if (savedActMask != null) {
      dSum = step.floats(name + " dSum", dY.shape());
      step.kernels().actBackwardQuant(null, savedActMask.buffer(), dY.buffer(), dSum.buffer(), dY.size(), postUpper,
          QuantOut.NONE);
    } else {
      dSum = post == null ? dY : post.backward(dY, step);
    }
    DeviceTensor dMain = main.backward(dSum, step);
    DeviceTensor dShort = shortcut == null ? dSum : shortcut.backward(dSum, step);
    DeviceTensor dX = step.floats(name + " dX", dMain.shape());
    step.kernels().add(dMain.buffer(), dShort.buffer(), dX.buffer(), dX.size());
    return dX;
  }
}

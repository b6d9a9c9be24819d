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
 * byte mask in place of the activation's saved input; when the output is the input of a block with
 * a shortcut convolution, that kernel writes the shortcut quantizer's codes too (two consumers),
 * and no floats where nothing else reads them.
 */
final class DeviceResidual implements DeviceLayer, QuantProducer {
  private final String name;
  private final DeviceLayer main;
  private final DeviceLayer shortcut;
  private final DeviceLayer post;
  private final float postUpper; // NaN: post is not an activation (or absent)
  private DeviceQuantization.ActivationQuantizer consumer;
  private DeviceQuantization.ActivationQuantizer second; // a shortcut convolution's quantizer, or null
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

  /**
   * The fused add writes codes when the post step is an activation or absent, for up to two
   * quantizers (the next block's main branch and its shortcut convolution).
   */
  @Override
  public boolean produceFor(DeviceQuantization.ActivationQuantizer c, boolean floatNeeded) {
    if (post != null && Float.isNaN(postUpper)) {
      return false;
    }
    if (consumer == null || consumer == c) {
      consumer = c;
    } else if (second == null || second == c) {
      second = c;
    } else {
      return false;
    }
    this.floatNeeded |= floatNeeded;
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
    DeviceQuantization.ActivationQuantizer.Fused f2 = second == null ? null : second.fusedTarget(step, a.size());
    if (f != null || f2 != null) {
      boolean act = post != null;
      // floats for another reader, or for a quantizer whose range is not static this step
      boolean floats = floatNeeded || (consumer != null && f == null) || (second != null && f2 == null);
      DeviceTensor y = floats ? step.floats(name + " output", a.shape()) : null;
      DeviceBuffer mask = act ? step.scope().bytes(a.size(), name + " activation mask") : null;
      step.kernels().addActQuantForward(a.buffer(), b.buffer(), y == null ? null : y.buffer(), mask, a.size(), act,
          act ? postUpper : 0f, f == null ? QuantOut.NONE : f.out(), f2 == null ? QuantOut.NONE : f2.out());
      savedActMask = act ? DeviceTensor.of(mask, DeviceTensor.DType.S8, a.shape()) : null;
      if (y == null) {
        return f2 == null ? DeviceTensor.codes(f.form(), a.shape())
            : DeviceTensor.codes(f.form(), f2.form(), a.shape());
      }
      return f == null ? y.withQuantized(f2.form()) : f2 == null ? y.withQuantized(f.form())
          : y.withQuantized(f.form(), f2.form());
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

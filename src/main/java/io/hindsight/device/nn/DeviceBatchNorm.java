package io.hindsight.device.nn;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.BatchNorm2d;

/**
 * {@link BatchNorm2d} on the device ({@code batchnorm_fwd/bwd}): per-channel normalization with
 * PyTorch semantics, running statistics updated in training. Saves the normalized input and the
 * inverse standard deviation.
 */
final class DeviceBatchNorm implements DeviceLayer, QuantProducer {
  private final BatchNorm2d host;
  private DeviceQuantization.ActivationQuantizer consumer;
  private boolean floatNeeded;
  private DeviceQuantization.ActivationQuantizer gradientConsumer;
  private final DeviceBuffer gamma;
  private final DeviceBuffer beta;
  private final DeviceBuffer dGamma;
  private final DeviceBuffer dBeta;
  private final DeviceBuffer runningMean;
  private final DeviceBuffer runningVar;
  private DeviceTensor savedXHat;
  private DeviceTensor savedInvStd;
  private boolean savedTraining;

  DeviceBatchNorm(BatchNorm2d host, DeviceParameters params) {
    this.host = host;
    this.gamma = params.value(host.gamma());
    this.beta = params.value(host.beta());
    this.dGamma = params.grad(host.gamma());
    this.dBeta = params.grad(host.beta());
    this.runningMean = params.buffer(host.runningMean());
    this.runningVar = params.buffer(host.runningVar());
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public boolean produceFor(DeviceQuantization.ActivationQuantizer c, boolean floatNeeded) {
    if (consumer != null && consumer != c) {
      return false; // its kernel writes one set of codes
    }
    this.consumer = c;
    this.floatNeeded = floatNeeded;
    return true;
  }

  @Override
  public boolean produceGradientFor(DeviceQuantization.ActivationQuantizer c) {
    this.gradientConsumer = c;
    return true;
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    int c = host.gamma().value().size();
    if (x.rank() != 4 || x.dim(1) != c) {
      throw new IllegalArgumentException(name() + ": expected " + c + " channels but got " + x);
    }
    int n = x.dim(0);
    int hw = x.dim(2) * x.dim(3);
    DeviceTensor xhat = step.floats(name() + " xhat", x.shape());
    DeviceTensor invStd = step.floats(name() + " invStd", c);
    savedXHat = xhat;
    savedInvStd = invStd;
    savedTraining = training;
    DeviceQuantization.ActivationQuantizer.Fused f = consumer == null ? null : consumer.fusedTarget(step, x.size());
    if (f != null) {
      DeviceTensor y = floatNeeded ? step.floats(name() + " output", x.shape()) : null;
      step.kernels().bnActQuantForward(x.buffer(), n, c, hw, gamma, beta, runningMean, runningVar, host.momentum(),
          host.eps(), training, false, 0f, xhat.buffer(), y == null ? null : y.buffer(), null, invStd.buffer(),
          f.out());
      return y == null ? DeviceTensor.codes(f.form(), x.shape()) : y.withQuantized(f.form());
    }
    DeviceTensor y = step.floats(name() + " output", x.shape());
    step.kernels().batchnormForward(x.buffer(), n, c, hw, gamma, beta, runningMean, runningVar, host.momentum(),
        host.eps(), training, xhat.buffer(), y.buffer(), invStd.buffer());
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedXHat == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    dY.requireShape(name() + " dY", savedXHat.shape());
    int c = savedXHat.dim(1);
    DeviceQuantization.ActivationQuantizer.Fused f = gradientConsumer == null ? null
        : gradientConsumer.fusedTarget(step, dY.size());
    if (f != null) {
      step.kernels().bnActBackwardQuant(dY.buffer(), null, savedXHat.buffer(), dY.dim(0), c, dY.dim(2) * dY.dim(3),
          gamma, savedInvStd.buffer(), savedTraining, null, dGamma, dBeta, f.out());
      return DeviceTensor.codes(f.form(), dY.shape());
    }
    DeviceTensor dX = step.floats(name() + " dX", dY.shape());
    step.kernels().batchnormBackward(dY.buffer(), savedXHat.buffer(), dY.dim(0), c, dY.dim(2) * dY.dim(3), gamma,
        savedInvStd.buffer(), savedTraining, dX.buffer(), dGamma, dBeta);
    return dX;
  }
}

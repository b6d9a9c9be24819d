package io.hindsight.device.nn;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.BatchNorm2d;

/**
 * {@link BatchNorm2d} on the device ({@code batchnorm_fwd/bwd}): per-channel normalization with
 * PyTorch semantics, running statistics updated in training. Saves the normalized input and the
 * inverse standard deviation.
 */
final class DeviceBatchNorm implements DeviceLayer {
  private final BatchNorm2d host;
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
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    int c = host.gamma().value().size();
    if (x.rank() != 4 || x.dim(1) != c) {
      throw new IllegalArgumentException(name() + ": expected " + c + " channels but got " + x);
    }
    int n = x.dim(0);
    int hw = x.dim(2) * x.dim(3);
    DeviceTensor xhat = step.floats(name() + " xhat", x.shape());
    DeviceTensor y = step.floats(name() + " output", x.shape());
    DeviceTensor invStd = step.floats(name() + " invStd", c);
    step.kernels().batchnormForward(x.buffer(), n, c, hw, gamma, beta, runningMean, runningVar, host.momentum(),
        host.eps(), training, xhat.buffer(), y.buffer(), invStd.buffer());
    savedXHat = xhat;
    savedInvStd = invStd;
    savedTraining = training;
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedXHat == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    dY.requireShape(name() + " dY", savedXHat.shape());
    int c = savedXHat.dim(1);
    DeviceTensor dX = step.floats(name() + " dX", dY.shape());
    step.kernels().batchnormBackward(dY.buffer(), savedXHat.buffer(), dY.dim(0), c, dY.dim(2) * dY.dim(3), gamma,
        savedInvStd.buffer(), savedTraining, dX.buffer(), dGamma, dBeta);
    return dX;
  }
}

package io.hindsight.device.nn;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Conv2d;

/** The geometry of a convolution layer on a device input: one check and one construction for every device twin. */
final class DeviceConvGeometry {
  private DeviceConvGeometry() {}

  /**
   * The geometry of {@code host} applied to {@code x} (N, C, H, W).
   *
   * @throws IllegalArgumentException when {@code x} is not rank 4 with the layer's input channels
   */
  static ConvGeometry of(Conv2d host, DeviceTensor x) {
    if (x.rank() != 4 || x.dim(1) != host.inChannels()) {
      throw new IllegalArgumentException(host.name() + ": expected " + host.inChannels() + " input channels but got "
          + x);
    }
    return new ConvGeometry(x.dim(0), host.inChannels(), x.dim(2), x.dim(3), host.outChannels(), host.kernel(),
        host.kernel(), host.stride(), host.padding(), host.groups());
  }
}

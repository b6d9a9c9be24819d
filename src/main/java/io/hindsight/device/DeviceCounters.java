package io.hindsight.device;

/**
 * What a device has done since it was opened: bytes copied each way, kernel launches, and the live
 * and peak bytes of device memory allocated through it. A snapshot; {@link #minus} gives the
 * activity between two snapshots.
 *
 * @param hostToDeviceBytes bytes copied from host to device
 * @param deviceToHostBytes bytes copied from device to host
 * @param deviceToDeviceBytes bytes copied between device buffers
 * @param kernelLaunches kernels launched
 * @param liveBytes device memory allocated and not yet freed
 * @param peakBytes the largest {@code liveBytes} seen (since opening or the last peak reset)
 * @param allocations allocations made
 */
public record DeviceCounters(
    long hostToDeviceBytes, long deviceToHostBytes, long deviceToDeviceBytes, long kernelLaunches,
    long liveBytes, long peakBytes, long allocations) {

  /** The activity between {@code earlier} and this snapshot (live and peak bytes are this snapshot's). */
  public DeviceCounters minus(DeviceCounters earlier) {
    return new DeviceCounters(hostToDeviceBytes - earlier.hostToDeviceBytes, deviceToHostBytes - earlier.deviceToHostBytes,
        deviceToDeviceBytes - earlier.deviceToDeviceBytes, kernelLaunches - earlier.kernelLaunches, liveBytes,
        peakBytes, allocations - earlier.allocations);
  }
}

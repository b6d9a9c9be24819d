package io.hindsight.train;

import io.hindsight.cuda.TrafficCounter;
import io.hindsight.device.Device;
import io.hindsight.device.DeviceCounters;

/**
 * Measures a run's device activity from the device's own counters: totals from the run's start,
 * per-step host/device bytes and the bytes moved to quantize from snapshots around each training
 * step (so the initial upload, evaluation and checkpoints are excluded), and the memory still live
 * when the run has closed its engine.
 */
final class DeviceAccounting {
  private final Device device;
  private final TrafficCounter traffic; // nullable
  private final DeviceCounters start;
  private DeviceCounters stepStart;
  private long stepQuantizationStart;
  private long quantizationBytes;
  private long steps;
  private long stepHostToDevice;
  private long stepDeviceToHost;

  /** @param traffic the kernels' traffic counter (quantization bytes), or null */
  DeviceAccounting(Device device, TrafficCounter traffic) {
    this.device = device;
    this.traffic = traffic;
    device.resetPeak();
    this.start = device.counters();
  }

  void beforeStep() {
    stepStart = device.counters();
    stepQuantizationStart = traffic == null ? 0 : traffic.quantizationBytes();
  }

  void afterStep() {
    DeviceCounters d = device.counters().minus(stepStart);
    stepHostToDevice += d.hostToDeviceBytes();
    stepDeviceToHost += d.deviceToHostBytes();
    quantizationBytes += traffic == null ? 0 : traffic.quantizationBytes() - stepQuantizationStart;
    steps++;
  }

  /** The report; call after the engine closed, so that {@code liveBytesAtEnd} sees what it freed. */
  DeviceReport finish() {
    DeviceCounters d = device.counters().minus(start);
    return new DeviceReport(device.kind(), device.name(), d.hostToDeviceBytes(), d.deviceToHostBytes(),
        steps == 0 ? 0 : (double) stepHostToDevice / steps, steps == 0 ? 0 : (double) stepDeviceToHost / steps, steps,
        d.peakBytes(), d.liveBytes(), d.kernelLaunches(), quantizationBytes);
  }
}

package io.hindsight.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.device.sim.SoftwareDevice;
import org.junit.jupiter.api.Test;

class DeviceScratchTest {
  @Test
  void aSlotIsOneBufferGrownToTheLargestRequestAndFreedOnClose() {
    try (SoftwareDevice device = new SoftwareDevice()) {
      DeviceScratch scratch = new DeviceScratch(device, "test");
      DeviceBuffer a = scratch.get("columns", 1000);
      assertThat(a.bytes()).isEqualTo(1000);
      DeviceBuffer smaller = scratch.get("columns", 600);
      assertThat(smaller.id()).as("the same allocation").isEqualTo(a.id());
      assertThat(smaller.bytes()).isEqualTo(600);
      DeviceBuffer other = scratch.get("gradient", 100);
      assertThat(other.id()).as("another slot").isNotEqualTo(a.id());
      long before = device.counters().liveBytes();
      DeviceBuffer larger = scratch.get("columns", 5000);
      assertThat(larger.id()).isNotEqualTo(a.id());
      assertThat(device.counters().liveBytes()).as("the smaller buffer freed").isLessThan(before + 5000);
      assertThat(scratch.allocatedBytes()).isGreaterThanOrEqualTo(5100);
      scratch.close();
      assertThat(device.counters().liveBytes()).isZero();
      assertThatThrownBy(() -> scratch.get("columns", 10)).isInstanceOf(DeviceException.class)
          .hasMessageContaining("closed");
    }
  }
}

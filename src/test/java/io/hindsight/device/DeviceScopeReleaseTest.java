package io.hindsight.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.device.sim.SoftwareDevice;
import org.junit.jupiter.api.Test;

class DeviceScopeReleaseTest {
  @Test
  void aScopeFreesItsOwnAllocationEarlyAndNothingElse() {
    try (SoftwareDevice device = new SoftwareDevice();
        DeviceScope step = device.scope("step");
        DeviceScope other = device.scope("other")) {
      DeviceBuffer a = step.floats(100, "a");
      DeviceBuffer b = step.floats(50, "b");
      DeviceBuffer foreign = other.floats(10, "foreign");
      assertThat(step.release(foreign)).as("another scope's buffer").isFalse();
      assertThat(step.release(a.slice(40, 40))).as("a slice frees its allocation").isTrue();
      assertThat(step.release(a)).as("already freed").isFalse();
      assertThat(step.allocatedBytes()).isEqualTo(b.bytes());
      assertThat(device.counters().liveBytes()).isEqualTo(b.bytes() + foreign.bytes());
      assertThatThrownBy(() -> a.upload(new float[100])).isInstanceOf(DeviceException.class)
          .hasMessageContaining("freed");
    }
  }
}

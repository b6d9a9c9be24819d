package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.KernelArgs;
import io.hindsight.device.sim.SoftwareDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The kernel parameter buffer: natural alignment in declaration order, as nvcc lays out .param space. */
class ParamBufferTest {
  @Test
  void parametersSitAtTheirNaturalAlignment() {
    try (SoftwareDevice device = new SoftwareDevice(); DeviceScope scope = device.scope("test")) {
      DeviceBuffer x = scope.allocate(64, "x");
      DeviceBuffer y = scope.allocate(64, "y");
      // (int M, float* x, int N, long long key, float s, int flag, float* y, float* none)
      KernelArgs args = new KernelArgs().i32("M", 7).ptr("x", x).i32("N", -3).i64("key", 0x1122334455667788L)
          .f32("s", 1.5f).flag("flag", true).ptr("y", y).ptr("none", null);
      ByteBuffer out = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
      int size = ParamBuffer.pack(args, (name, b) -> name.equals("x") && b == x ? 0x1000L : 0x2000L, out);
      assertThat(out.getInt(0)).isEqualTo(7);
      assertThat(out.getLong(8)).isEqualTo(0x1000L); // the pointer skips 4 bytes of padding
      assertThat(out.getInt(16)).isEqualTo(-3);
      assertThat(out.getLong(24)).isEqualTo(0x1122334455667788L); // padding again
      assertThat(out.getFloat(32)).isEqualTo(1.5f);
      assertThat(out.getInt(36)).isEqualTo(1);
      assertThat(out.getLong(40)).isEqualTo(0x2000L);
      assertThat(out.getLong(48)).isZero();
      assertThat(size).isEqualTo(56);
      assertThat(out.position()).isZero();
    }
  }

  @Test
  void tooManyArgumentsForTheBufferAreRefused() {
    KernelArgs args = new KernelArgs();
    for (int i = 0; i < 10; i++) {
      args.i64("v" + i, i);
    }
    assertThatThrownBy(() -> ParamBuffer.pack(args, (name, b) -> 0L, ByteBuffer.allocate(64)))
        .hasMessageContaining("more than 64 bytes");
  }
}

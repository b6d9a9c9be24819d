package io.hindsight.device.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceException;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.KernelArgs;
import io.hindsight.device.KernelLaunch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The software device catches what a GPU would not report clearly, naming the buffer and the launch. */
class SoftwareDeviceTest {

  private static KernelLaunch relu(DeviceBuffer x, DeviceBuffer y, long n) {
    return new KernelLaunch("relu_fwd", 1, 1, 1, 256, 1, 1, 0,
        new KernelArgs().ptr("x", x).ptr("y", y).i64("n", n).f32("upper", Float.POSITIVE_INFINITY));
  }

  @Test
  void freshMemoryIsPoisoned() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      DeviceBuffer b = s.floats(4, "fresh");
      float[] got = new float[4];
      b.download(got);
      for (float f : got) {
        assertThat(f).isNaN();
      }
      int[] ints = new int[4];
      b.download(ints);
      assertThat(ints).containsOnly(-1);
    }
  }

  @Test
  void aKernelRunsItsReferenceAndCountsItsTraffic() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      DeviceBuffer x = s.upload(new float[] {-1f, 2f, Float.NaN, -0f}, "x");
      DeviceBuffer y = s.floats(4, "y");
      List<LaunchRecord> log = new ArrayList<>();
      d.addLaunchListener(log::add);
      d.launch(relu(x, y, 4));
      float[] got = new float[4];
      y.download(got);
      assertThat(got[0]).isZero();
      assertThat(got[1]).isEqualTo(2f);
      assertThat(got[2]).isNaN();
      assertThat(Float.floatToRawIntBits(got[3])).isZero();
      assertThat(log).hasSize(1);
      assertThat(log.get(0).accesses()).extracting(LaunchRecord.Access::arg, LaunchRecord.Access::bytesRead,
          LaunchRecord.Access::bytesWritten).containsExactly(
              org.assertj.core.groups.Tuple.tuple("x", 16L, 0L), org.assertj.core.groups.Tuple.tuple("y", 0L, 16L));
      assertThat(d.counters().kernelLaunches()).isEqualTo(1);
      assertThat(d.counters().hostToDeviceBytes()).isEqualTo(16);
      assertThat(d.counters().deviceToHostBytes()).isEqualTo(16);
    }
  }

  @Test
  void aWrongArgumentTypeIsRejectedNamingBothSides() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      DeviceBuffer x = s.floats(4, "x");
      KernelLaunch wrong = new KernelLaunch("relu_fwd", 1, 1, 1, 256, 1, 1, 0,
          new KernelArgs().ptr("x", x).ptr("y", x).i32("n", 4).f32("upper", 6f));
      assertThatThrownBy(() -> d.launch(wrong)).isInstanceOf(DeviceException.class)
          .hasMessageContaining("relu_fwd").hasMessageContaining("argument 3")
          .hasMessageContaining("long long n").hasMessageContaining("'n' (int)");
      KernelLaunch renamed = new KernelLaunch("relu_fwd", 1, 1, 1, 256, 1, 1, 0,
          new KernelArgs().ptr("x", x).ptr("out", x).i64("n", 4).f32("upper", 6f));
      assertThatThrownBy(() -> d.launch(renamed)).hasMessageContaining("'out'");
      KernelLaunch shortList = new KernelLaunch("relu_fwd", 1, 1, 1, 256, 1, 1, 0, new KernelArgs().ptr("x", x));
      assertThatThrownBy(() -> d.launch(shortList)).hasMessageContaining("passes 1 arguments but the kernel takes 4");
    }
  }

  @Test
  void aFreedBufferIsRejectedNamingItAndTheLaunch() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      DeviceBuffer y = s.floats(4, "y");
      DeviceBuffer x;
      try (DeviceScope step = d.scope("step")) {
        x = step.floats(4, "activation");
      }
      assertThatThrownBy(() -> d.launch(relu(x, y, 4))).isInstanceOf(DeviceException.class)
          .hasMessageContaining("relu_fwd").hasMessageContaining("argument 'x'")
          .hasMessageContaining("'step: activation'").hasMessageContaining("used after it was freed");
      assertThatThrownBy(() -> x.upload(new float[4])).hasMessageContaining("used after it was freed");
    }
  }

  @Test
  void anOutOfRangeSizeIsCaughtInsideTheKernel() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      DeviceBuffer x = s.floats(4, "x");
      DeviceBuffer y = s.floats(8, "y");
      assertThatThrownBy(() -> d.launch(relu(x, y, 8))).isInstanceOf(DeviceException.class)
          .hasMessageContaining("launch #0 of relu_fwd").hasMessageContaining("argument 'x'")
          .hasMessageContaining("'t: x'").hasMessageContaining("elements [0, 8)").hasMessageContaining("16 bytes");
      DeviceBuffer tail = y.from(16); // the last 4 of y's 8 floats
      assertThatThrownBy(() -> d.launch(relu(tail, y, 5)))
          .hasMessageContaining("argument 'x'").hasMessageContaining("bytes [16, 32) of 32");
    }
  }

  @Test
  void theWrappersCheckSizesBeforeLaunching() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      CudaKernels k = new CudaKernels(d);
      DeviceBuffer x = s.floats(4, "x");
      assertThatThrownBy(() -> k.reluForward(x, x, 10, 6f)).hasMessageContaining("x 't: x'")
          .hasMessageContaining("needs 40");
    }
  }

  @Test
  void writingThroughAConstParameterIsAnError() {
    // the view a reference gets for a `const T*` parameter (KernelSignature.Param.readOnly)
    View v = new View(java.nio.ByteBuffer.allocate(16), 0, 16, true, "launch #3 of k, argument 'x'");
    assertThatThrownBy(() -> v.putF(0, 1f)).hasMessageContaining("argument 'x' is declared const");
    assertThatThrownBy(() -> v.writeF(0, new float[2], 0, 2)).hasMessageContaining("declared const");
    assertThat(v.getF(3)).isZero();
  }

  @Test
  void closingWithLiveMemoryReportsEveryLeak() {
    SoftwareDevice d = new SoftwareDevice();
    d.allocate(64, "conv1.weight");
    d.allocate(8, "step: loss");
    assertThatThrownBy(d::close).isInstanceOf(DeviceException.class).hasMessageContaining("2 buffers (72 bytes)")
        .hasMessageContaining("'conv1.weight' (64 bytes)").hasMessageContaining("'step: loss' (8 bytes)");
  }

  @Test
  void copiesBeyondABufferAreRejected() {
    try (SoftwareDevice d = new SoftwareDevice(); DeviceScope s = d.scope("t")) {
      DeviceBuffer x = s.floats(2, "x");
      assertThatThrownBy(() -> x.upload(new float[3])).hasMessageContaining("12 bytes at offset 0 do not fit")
          .hasMessageContaining("'t: x'");
    }
  }
}

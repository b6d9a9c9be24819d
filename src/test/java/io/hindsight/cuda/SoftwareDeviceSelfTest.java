package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Every {@link GpuSelfTest} check on the software device: the kernels' Java references against the
 * independent CPU computations (the CPU layers, the CPU backend, the array references), and the
 * CUDA backend's host path end to end, on every machine.
 */
class SoftwareDeviceSelfTest {

  @Test
  void everySelfTestCheckPassesOnTheSoftwareDevice() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int failed;
    try (CudaBackend backend = CudaBackend.simulated(2); CpuBackend cpu = new CpuBackend(2)) {
      failed = GpuSelfTest.run(new GpuSelfTest.Env(backend.kernels(), backend, cpu),
          new PrintStream(buf, true, StandardCharsets.UTF_8));
      assertThat(backend.deviceHandle().counters().liveBytes()).as("every check frees what it allocated").isZero();
    }
    String log = buf.toString(StandardCharsets.UTF_8);
    assertThat(failed).as(log).isZero();
    assertThat(log).contains(GpuSelfTest.checks().size() + " passed, 0 failed");
  }
}

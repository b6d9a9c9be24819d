package io.hindsight.cuda;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hindsight.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * GPU validation: every {@link GpuSelfTest} check (each kernel against its CPU reference, and
 * {@link CudaBackend} against {@link CpuBackend}), all run and every failure reported. Skipped,
 * with the probe's reason, where there is no usable GPU.
 */
class CudaKernelsGpuTest {

  @Test
  void kernelsAndBackendMatchTheirCpuReferences() {
    CudaRuntime.Availability a = CudaRuntime.availability();
    assumeTrue(a.available(), () -> "no GPU: " + a.reason());
    try (CudaBackend backend = CudaBackend.create(); CpuBackend cpu = new CpuBackend(2)) {
      GpuSelfTest.Env env = new GpuSelfTest.Env(backend.kernels(), backend, cpu);
      assertAll(GpuSelfTest.checks().stream().map(c -> (Executable) () -> {
        try {
          c.body().run(env);
          env.kernels().device().synchronize();
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError(c.name() + ": " + e.getMessage(), e);
        }
      }));
    }
  }
}

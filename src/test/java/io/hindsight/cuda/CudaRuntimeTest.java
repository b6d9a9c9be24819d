package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;

/** The availability probe answers on any machine, without crashing the JVM. */
class CudaRuntimeTest {

  @Test
  void probeAnswersWithAReasonWhenUnavailable() {
    CudaRuntime.Availability a = CudaRuntime.availability();
    assertThat(a).isSameAs(CudaRuntime.availability());
    if (!a.available()) {
      assertThat(a.reason()).isNotBlank();
      assertThat(a.toString()).startsWith("CUDA unavailable: ");
    } else {
      assertThat(a.reason()).isEmpty();
    }
  }

  @Test
  void creatingAContextWithoutAGpuNamesTheReason() {
    CudaRuntime.Availability a = CudaRuntime.availability();
    assumeFalse(a.available(), "a GPU is present");
    assertThatThrownBy(CudaContext::create).isInstanceOf(CudaException.class).hasMessageContaining(a.reason());
    assertThatThrownBy(CudaBackend::create).isInstanceOf(CudaException.class);
  }

  @Test
  void linkFailureKeepsTheLineNamingTheMissingLibrary() {
    UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"X\"\n"
        + "java.lang.UnsatisfiedLinkError: no X in java.library.path\n"
        + "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)\n"
        + "java.lang.UnsatisfiedLinkError: /tmp/libX.so: libcuda.so.1: cannot open shared object file\n");
    assertThat(CudaRuntime.linkFailure(e))
        .isEqualTo("UnsatisfiedLinkError: /tmp/libX.so: libcuda.so.1: cannot open shared object file");
  }
}

package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Maven build compiled every kernel source to cubin + PTX when nvcc is installed. */
class PtxBuildTest {

  static boolean nvccPresent() {
    if ("1".equals(System.getenv("HINDSIGHT_SKIP_CUDA"))) {
      return false;
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (new File(dir, "nvcc").canExecute()) {
        return true;
      }
    }
    String cudaHome = System.getenv("CUDA_HOME");
    return (cudaHome != null && new File(cudaHome, "bin/nvcc").canExecute())
        || new File("/usr/local/cuda/bin/nvcc").canExecute();
  }

  @Test
  void everyKernelSourceHasItsThreeImages() {
    assumeTrue(nvccPresent(), "nvcc not installed: the build skips the CUDA kernels");
    List<String> images = CudaRuntime.imageNames();
    List<String> modules = CudaRuntime.moduleNames();
    File[] sources = new File("src/main/cuda").listFiles((d, n) -> n.endsWith(".cu"));
    assertThat(sources).isNotNull();
    assertThat(modules).hasSize(sources.length);
    assertThat(images).hasSize(3 * modules.size());
    for (String module : modules) {
      byte[] cubin = CudaRuntime.readImage(module + ".sm_90.cubin");
      assertThat(cubin).as(module + " cubin").isNotNull().startsWith(0x7F, 'E', 'L', 'F');
      String sm90 = new String(CudaRuntime.readImage(module + ".sm_90.ptx"), StandardCharsets.US_ASCII);
      String sm80 = new String(CudaRuntime.readImage(module + ".compute_80.ptx"), StandardCharsets.US_ASCII);
      assertThat(sm90).contains(".target sm_90").contains(".entry");
      assertThat(sm80).contains(".target sm_80").contains(".entry");
    }
  }

  @Test
  void everyDeclaredKernelIsCompiled() {
    assumeTrue(PtxImages.built(), "no compiled kernels (nvcc was absent at build time)");
    assertThat(PtxImages.signatures().keySet()).containsAll(io.hindsight.device.KernelSignatures.all().keySet());
  }
}

package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The index arithmetic of the layout kernels (im2col_s8_t, col2im_t, nchw_to_nhwc_s8), compiled as
 * host C++ from the CUDA source and compared with a plain gather on random shapes, in both index
 * types ({@code scripts/check-layout-kernels.sh}). The software device runs the kernels' Java
 * references, so without this the CUDA bodies themselves would only be checked on a GPU.
 */
class LayoutKernelsHostCheckTest {
  private static boolean compilerPresent() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : new String[] {"c++", "g++", "clang++"}) {
        if (new File(dir, name).canExecute()) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void theCudaBodiesGatherWhatTheLayoutsDefine() throws Exception {
    assumeTrue(compilerPresent(), "no C++ compiler on the PATH");
    Process p = new ProcessBuilder("bash", "scripts/check-layout-kernels.sh").redirectErrorStream(true).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the check finished").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("check-layout-kernels: ok");
  }
}

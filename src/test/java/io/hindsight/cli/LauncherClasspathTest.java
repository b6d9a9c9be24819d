package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line runs with only what the GPU bundle ships ({@code scripts/gpu-bundle.sh}): our
 * classes, Jackson, picocli and JCuda on a runtime of java.base, java.logging, jdk.unsupported and
 * jdk.incubator.vector: no Spring, no java.net.http, no libtorch. picocli inspects every command
 * class when it builds the command tree, so a command whose signatures name a missing class would
 * break every command there.
 */
class LauncherClasspathTest {
  @Test
  void bundleClasspathTrainsAndPrintsHelp(@TempDir Path dir) throws Exception {
    String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.endsWith(File.separator + "classes") && !e.endsWith("test-classes")
            || e.matches(".*/(jackson-(core|databind|annotations)|picocli|jcuda)-[0-9][^/]*\\.jar"))
        .collect(Collectors.joining(File.pathSeparator));
    assertThat(cp).contains("picocli", "classes");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> base = List.of(java, "--limit-modules", "java.base,java.logging,jdk.unsupported,jdk.incubator.vector",
        "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-cp", cp, "io.hindsight.cli.Main");
    assertThat(run(base, "bench", "--help")).contains("quant-step");
    assertThat(run(base, "train", "--dataset", "synthetic", "--model", "mlp", "--epochs", "1", "--train-limit", "32",
        "--test-limit", "16", "--threads", "1", "--quiet", "--out", dir.toString())).contains("test accuracy");
  }

  private static String run(List<String> base, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}

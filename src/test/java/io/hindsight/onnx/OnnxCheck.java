package io.hindsight.onnx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code scripts/onnx-check} (ONNX's own checker, from python3-onnx) on files. */
final class OnnxCheck {
  /** The script's exit status 3: no Python with the onnx package here. */
  static final int CHECKER_MISSING = 3;

  record Result(int exitCode, String output) {
    boolean checkerMissing() {
      return exitCode == CHECKER_MISSING;
    }
  }

  private OnnxCheck() {}

  static Result run(List<Path> files) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", "scripts/onnx-check"));
    files.forEach(f -> cmd.add(f.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("scripts/onnx-check did not finish in 120 s");
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}

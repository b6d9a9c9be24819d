package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hindsight completion bash}: the script, and what bash completes with it. */
class CompletionCommandTest {
  @TempDir
  static Path dir;
  static Path script;

  static String script() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = Main.run(new String[] {"completion", "bash"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(rc).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void scriptCoversEveryCommandAndFlag() throws IOException {
    String s = script();
    assertThat(s).contains("complete -F").contains("train", "compare", "report", "bench", "serve", "submit",
        "train-step", "quant-step", "--estimators", "--range-every", "--api-key", "--no-workers", "keys", "revoke",
        "--admin");
    assertThat(Main.run(new String[] {"completion", "fish"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
  }

  /** Runs bash's completion function on {@code line} (cursor at its end) and returns the candidates. */
  static List<String> complete(String line) throws Exception {
    if (script == null) {
      script = dir.resolve("hindsight-completion.bash");
      Files.writeString(script, script());
    }
    String words = line.endsWith(" ") ? line + "''" : line;
    String prog = "source '" + script + "'\n"
        + "COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}\n"
        + "COMP_WORDS=(" + words + "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        + "_complete_hindsight hindsight \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    // compopt complains outside a real completion; its stderr is not a candidate
    Process p = new ProcessBuilder("bash", "-c", prog).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  @Test
  void bashCompletesCommandsFlagsAndValues() throws Exception {
    assumeThat(DatasetInstaller.onPath("bash")).as("bash is installed").isTrue();
    assertThat(complete("hindsight tr")).containsExactly("train");
    assertThat(complete("hindsight bench q")).containsExactly("quant-step");
    assertThat(complete("hindsight train --estim")).containsExactly("--estimator");
    assertThat(complete("hindsight train --model ")).containsExactlyInAnyOrder("cnn", "mlp", "mobilenetv2",
        "resnet20");
    assertThat(complete("hindsight compare --estimators hindsight-")).contains("hindsight-minmax", "hindsight-ema");
    assertThat(complete("hindsight train --dataset ")).containsExactlyInAnyOrder("fashion-mnist", "mnist", "synthetic");
    assertThat(complete("hindsight train --engine ")).containsExactlyInAnyOrder("djl", "hindsight");
    assertThat(complete("hindsight train --schedule ")).containsExactlyInAnyOrder("constant", "cosine", "step");
    assertThat(complete("hindsight train --estimator dsg")).containsExactly("dsgc");
    assertThat(complete("hindsight bench quant-step --backend cuda")).containsExactlyInAnyOrder("cuda", "cuda-sim");
  }
}

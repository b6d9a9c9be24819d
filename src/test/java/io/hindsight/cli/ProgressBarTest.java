package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.train.StepProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private static String run(boolean live, boolean logLines, int stepsPerEpoch) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), live, logLines);
    for (int s = 1; s <= stepsPerEpoch; s++) {
      bar.onStep(new StepProgress(1, 2, s, stepsPerEpoch, s, 0.5, 1000, 0.05, 0.1, 128));
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void logsNineLinesPerEpochWhenNotOnAConsole() {
    String out = run(false, true, 469);
    assertThat(out.lines()).hasSize(9);
    assertThat(out.lines().findFirst().orElseThrow()).isEqualTo("epoch 1/2 step 47/469 (10%) loss 0.5000  1000 samples/s  lr 0.05000");
    assertThat(out).contains("step 423/469 (90%)").doesNotContain("step 469/469").doesNotContain("\r");
  }

  @Test
  void shortEpochsLogEachStepAtMostOnce() {
    assertThat(run(false, true, 3).lines()).containsExactly(
        "epoch 1/2 step 1/3 (33%) loss 0.5000  1000 samples/s  lr 0.05000",
        "epoch 1/2 step 2/3 (66%) loss 0.5000  1000 samples/s  lr 0.05000");
  }

  @Test
  void quietPrintsNoStepProgress() {
    assertThat(run(false, false, 469)).isEmpty();
  }

  @Test
  void warningsArePrintedEvenWhenQuiet() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ProgressBar quiet = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), false, false);
    quiet.onWarning("libtorch is wrong here");
    assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("warning: libtorch is wrong here" + System.lineSeparator());
  }
}

package io.hindsight.cli;

import io.hindsight.train.EpochMetrics;
import io.hindsight.train.StepProgress;
import io.hindsight.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Draws training progress on the terminal: a live bar (redrawn at most 10 times a second) when
 * attached to a console, and one line per epoch always.
 */
final class ProgressBar implements TrainingListener {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final boolean live;
  private long lastDraw;

  ProgressBar(PrintStream out, boolean live) {
    this.out = out;
    this.live = live;
  }

  @Override
  public void onStart(int epochs, int stepsPerEpoch, long resumedAtStep) {
    if (resumedAtStep > 0) {
      out.printf(Locale.ROOT, "resuming at global step %d%n", resumedAtStep);
    }
  }

  @Override
  public void onStep(StepProgress p) {
    if (!live) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < 100_000_000L && p.step() != p.stepsPerEpoch()) {
      return;
    }
    lastDraw = now;
    int filled = (int) ((long) WIDTH * p.step() / p.stepsPerEpoch());
    out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d loss %.4f  %.0f samples/s  lr %.4g ",
        p.epoch(), p.epochs(), "#".repeat(filled), ".".repeat(WIDTH - filled), p.step(), p.stepsPerEpoch(),
        p.loss(), p.samplesPerSecond(), p.learningRate());
    out.flush();
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    if (live) {
      out.print("\r" + " ".repeat(100) + "\r");
    }
    out.printf(Locale.ROOT,
        "epoch %d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | %.1f s, %.0f samples/s%s%n",
        m.epoch(), m.trainLoss(), m.trainAccuracy(), m.testLoss(), m.testAccuracy(), m.seconds(),
        m.samplesPerSecond(), m.skippedSteps() > 0 ? " | " + m.skippedSteps() + " non-finite steps skipped" : "");
    out.flush();
  }
}

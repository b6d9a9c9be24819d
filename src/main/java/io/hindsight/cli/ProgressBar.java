package io.hindsight.cli;

import io.hindsight.train.EpochMetrics;
import io.hindsight.train.StepProgress;
import io.hindsight.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows training progress: a live bar (redrawn at most 10 times a second) on a console; where the
 * output goes to a log or a pipe, a plain line at every tenth of an epoch, so long epochs show
 * progress there too; and one line per epoch and every warning always. {@code --quiet} keeps only
 * those.
 */
final class ProgressBar implements TrainingListener {
  private static final int WIDTH = 30;
  private static final int LOG_LINES_PER_EPOCH = 10;
  private final PrintStream out;
  private final boolean live;
  private final boolean logLines;
  private final String prefix;
  private long lastDraw;

  /** For a command's flags: live on a console, log lines elsewhere, neither with {@code --quiet}. */
  static ProgressBar forTerminal(PrintStream out, boolean quiet) {
    boolean console = System.console() != null;
    return new ProgressBar(out, !quiet && console, !quiet && !console);
  }

  ProgressBar(PrintStream out, boolean live, boolean logLines) {
    this(out, live, logLines, "");
  }

  /** @param prefix starts every epoch and warning line (e.g. which run of several side by side) */
  ProgressBar(PrintStream out, boolean live, boolean logLines, String prefix) {
    this.out = out;
    this.live = live;
    this.logLines = logLines;
    this.prefix = prefix;
  }

  @Override
  public void onStart(int epochs, int stepsPerEpoch, long resumedAtStep) {
    if (resumedAtStep > 0) {
      out.printf(Locale.ROOT, "resuming at global step %d%n", resumedAtStep);
    }
  }

  @Override
  public void onStep(StepProgress p) {
    if (logLines) {
      logLine(p);
    }
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

  /** A line when the step completes the next tenth of the epoch (not at its end: the epoch line follows). */
  private void logLine(StepProgress p) {
    int n = p.stepsPerEpoch();
    if (p.step() >= n || p.step() * (long) LOG_LINES_PER_EPOCH / n == (p.step() - 1) * (long) LOG_LINES_PER_EPOCH / n) {
      return;
    }
    out.printf(Locale.ROOT, "epoch %d/%d step %d/%d (%d%%) loss %.4f  %.0f samples/s  lr %.4g%n", p.epoch(),
        p.epochs(), p.step(), n, 100L * p.step() / n, p.loss(), p.samplesPerSecond(), p.learningRate());
    out.flush();
  }

  /** Always printed, {@code --quiet} or not. */
  @Override
  public void onWarning(String message) {
    if (live) {
      out.print("\r" + " ".repeat(100) + "\r");
    }
    out.println(prefix + "warning: " + message);
    out.flush();
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    if (live) {
      out.print("\r" + " ".repeat(100) + "\r");
    }
    out.printf(Locale.ROOT,
        "%sepoch %d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | %.1f s, %.0f samples/s%s%n",
        prefix, m.epoch(), m.trainLoss(), m.trainAccuracy(), m.testLoss(), m.testAccuracy(), m.seconds(),
        m.samplesPerSecond(), m.skippedSteps() > 0 ? " | " + m.skippedSteps() + " non-finite steps skipped" : "");
    out.flush();
  }
}

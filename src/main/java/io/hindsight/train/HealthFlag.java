package io.hindsight.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Locale;

/**
 * Something that went wrong in a run, where it began: a loss that diverged or a quantizer whose
 * clipped fraction spiked ({@link RunHealth}). Written to {@code result.json}
 * ({@code plugins.health.flags}), kept in a service job's history and counted as a metric.
 *
 * @param kind {@link #LOSS_DIVERGENCE} or {@link #CLIPPING_SPIKE}
 * @param step the global training step (0-based) where it began
 * @param quantizer the quantizer ({@code <layer>/<kind>}) whose clipping spiked; for a loss divergence the
 *     quantizer whose clipping spiked first at or before {@code step}, or null where none did
 * @param value what crossed the threshold: the clipped fraction, or the smoothed train loss (NaN/Inf for a
 *     non-finite loss)
 * @param threshold the threshold it crossed
 */
public record HealthFlag(
    String kind,
    long step,
    @JsonInclude(JsonInclude.Include.ALWAYS) String quantizer,
    double value,
    double threshold) {
  public static final String LOSS_DIVERGENCE = "loss-divergence";
  public static final String CLIPPING_SPIKE = "clipping-spike";

  /** The tensor kind of {@link #quantizer} ({@code activation}, {@code gradient}, {@code weight}), or {@code none}. */
  public String tensorKind() {
    if (quantizer == null) {
      return "none";
    }
    return quantizer.substring(quantizer.lastIndexOf('/') + 1);
  }

  /** One line for logs, warnings and the job history. */
  public String message() {
    if (CLIPPING_SPIKE.equals(kind)) {
      return String.format(Locale.ROOT, "%s: %s clipped %.2f%% of its tensor at step %d (threshold %.2f%%)", kind,
          quantizer, 100 * value, step, 100 * threshold);
    }
    return String.format(Locale.ROOT, "%s: the train loss diverged at step %d (smoothed loss %.4g, threshold %.4g)%s",
        kind, step, value, threshold,
        quantizer == null ? "" : "; the first clipping spike before it was " + quantizer);
  }
}

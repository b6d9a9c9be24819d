package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.quant.QuantizationListener;
import io.hindsight.quant.QuantizationRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Watches a run for the two ways it goes wrong that a user must hear about, from what every engine
 * records anyway (the step's loss, each quantization's statistics), and raises a {@link HealthFlag}
 * once for each, where it began:
 * <ul>
 *   <li>{@link HealthFlag#CLIPPING_SPIKE}: a training quantization clipped at least
 *       {@link #CLIPPING_SPIKE_FRACTION} of its tensor: the range lagged far behind the tensor (a
 *       static range estimated from earlier steps). Once per quantizer, at its first such step.
 *   <li>{@link HealthFlag#LOSS_DIVERGENCE}: a step's loss was NaN/Inf; or the smoothed train loss
 *       (exponential moving average over about {@link #LOSS_WINDOW} steps) stayed for
 *       {@link #LOSS_WINDOW} consecutive steps, once {@code 2 * LOSS_WINDOW} steps are in, either at
 *       least {@link #LOSS_STUCK} times the loss of chance, {@code ln(classes)}, or of the first step
 *       if that was lower (the run is not learning, or went back to chance; an untrained model's loss
 *       is about chance's or above) or above {@link #LOSS_RISE} times its lowest value
 *       so far (a blow-up later on). The step is the first of that stretch. A spike that the run
 *       recovers from within {@link #LOSS_WINDOW} steps is not a divergence. Once per run, naming
 *       the quantizer whose clipping spiked first at or before that step, if any did.
 * </ul>
 * Flags go to the run's listener as they are raised ({@link TrainingListener#onHealthFlag}) and to
 * {@code result.json} as {@code plugins.health}; they are checkpointed, so a resumed run keeps them.
 */
public final class RunHealth implements TrainingPlugin, QuantizationListener {
  public static final String NAME = "health";
  /** The clipped fraction of one quantization that counts as a spike. */
  public static final double CLIPPING_SPIKE_FRACTION = 0.05;
  /** The factor the smoothed loss may rise by, above its lowest value, before it counts as diverged. */
  public static final double LOSS_RISE = 1.5;
  /** The fraction of chance's loss (or the first step's, if lower) that the smoothed loss must fall under to count as learning. */
  public static final double LOSS_STUCK = 0.9;
  /** The smoothing window of the train loss, in steps. */
  public static final int LOSS_WINDOW = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainingListener listener;
  private final double chanceLoss;
  private final List<HealthFlag> flags = new ArrayList<>();
  private final Set<String> spiked = new HashSet<>();
  private double firstLoss = Double.NaN;
  private double smoothed = Double.NaN;
  private double lowest = Double.POSITIVE_INFINITY;
  private long lossSteps;
  private long badSince = -1; // first step of the current stretch over a threshold, or -1
  private double badThreshold;
  private boolean diverged;

  /**
   * @param listener told of each flag as it is raised
   * @param classes the number of classes, whose uniform prediction's loss {@code ln(classes)} is chance's
   */
  public RunHealth(TrainingListener listener, int classes) {
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be >= 2, got " + classes);
    }
    this.listener = listener == null ? TrainingListener.NONE : listener;
    this.chanceLoss = Math.log(classes);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The flags raised so far, in the order raised. */
  public List<HealthFlag> flags() {
    return List.copyOf(flags);
  }

  @Override
  public void onQuantized(QuantizationRecord r) {
    if (r.clippedFraction() >= CLIPPING_SPIKE_FRACTION && spiked.add(r.quantizer())) {
      raise(new HealthFlag(HealthFlag.CLIPPING_SPIKE, r.step(), r.quantizer(), r.clippedFraction(),
          CLIPPING_SPIKE_FRACTION));
    }
  }

  @Override
  public void onStepLoss(long globalStep, double loss) {
    if (diverged) {
      return;
    }
    if (!Double.isFinite(loss)) {
      divergedAt(globalStep, loss, Double.NaN);
      return;
    }
    lossSteps++;
    if (Double.isNaN(firstLoss)) {
      firstLoss = loss;
      smoothed = loss;
    } else {
      double a = 2.0 / (LOSS_WINDOW + 1);
      smoothed = a * loss + (1 - a) * smoothed;
    }
    if (lossSteps > 2L * LOSS_WINDOW) {
      double threshold = Math.min(LOSS_STUCK * Math.min(firstLoss, chanceLoss), LOSS_RISE * lowest);
      if (smoothed >= threshold) {
        if (badSince < 0) {
          badSince = globalStep;
          badThreshold = threshold;
        } else if (globalStep - badSince + 1 >= LOSS_WINDOW) {
          divergedAt(badSince, smoothed, badThreshold);
          return;
        }
      } else {
        badSince = -1;
      }
    }
    if (lossSteps >= LOSS_WINDOW) {
      lowest = Math.min(lowest, smoothed);
    }
  }

  private void divergedAt(long step, double value, double threshold) {
    diverged = true;
    String cause = flags.stream().filter(f -> HealthFlag.CLIPPING_SPIKE.equals(f.kind()) && f.step() <= step)
        .map(HealthFlag::quantizer).findFirst().orElse(null);
    raise(new HealthFlag(HealthFlag.LOSS_DIVERGENCE, step, cause, value, threshold));
  }

  private void raise(HealthFlag f) {
    flags.add(f);
    listener.onHealthFlag(f);
  }

  @Override
  public JsonNode resultSection() {
    ObjectNode r = JSON.createObjectNode();
    r.put("diverged", diverged);
    ArrayNode a = r.putArray("flags");
    for (HealthFlag f : flags) {
      a.add(JSON.valueToTree(f));
    }
    r.put("clippingSpikeFraction", CLIPPING_SPIKE_FRACTION);
    r.put("lossRise", LOSS_RISE);
    r.put("lossStuck", LOSS_STUCK);
    r.put("lossWindow", LOSS_WINDOW);
    return r;
  }

  @Override
  public JsonNode saveState() {
    ObjectNode s = JSON.createObjectNode();
    s.set("flags", JSON.valueToTree(flags));
    s.put("firstLoss", firstLoss);
    s.put("smoothed", smoothed);
    s.put("lowest", lowest);
    s.put("lossSteps", lossSteps);
    s.put("badSince", badSince);
    s.put("badThreshold", badThreshold);
    s.put("diverged", diverged);
    return s;
  }

  @Override
  public void restoreState(JsonNode state) {
    flags.clear();
    spiked.clear();
    try {
      for (JsonNode f : state.path("flags")) {
        HealthFlag flag = JSON.treeToValue(f, HealthFlag.class);
        flags.add(flag);
        if (HealthFlag.CLIPPING_SPIKE.equals(flag.kind())) {
          spiked.add(flag.quantizer());
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("checkpoint has an unreadable health state: " + e.getMessage(), e);
    }
    firstLoss = state.path("firstLoss").asDouble(Double.NaN);
    smoothed = state.path("smoothed").asDouble(Double.NaN);
    lowest = state.path("lowest").asDouble(Double.POSITIVE_INFINITY);
    lossSteps = state.path("lossSteps").asLong();
    badSince = state.path("badSince").asLong(-1);
    badThreshold = state.path("badThreshold").asDouble();
    diverged = state.path("diverged").asBoolean();
  }
}

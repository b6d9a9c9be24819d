package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts every estimator shares: the channel-count check, the non-finite policy (see
 * {@link RangeEstimator}) and the common state (non-finite event count, last range used on a
 * finite tensor). Subclasses implement {@link #estimate} and {@link #learn} on finite statistics only.
 */
public abstract class AbstractRangeEstimator implements RangeEstimator {
  private static final String EVENTS = "nonFiniteEvents";
  private static final String LAST_MIN = "lastUsed.min";
  private static final String LAST_MAX = "lastUsed.max";
  private static final String UPDATES = "updates";

  private final EstimatorType type;
  private long nonFiniteEvents;
  private long updates;
  private Range lastUsed;

  protected AbstractRangeEstimator(EstimatorType type) {
    this.type = type;
  }

  @Override
  public final EstimatorType type() {
    return type;
  }

  @Override
  public final Range range(RangeRequest request) {
    if (lastUsed != null && lastUsed.channels() != request.channels()) {
      throw new IllegalStateException(type + " estimator holds a range of " + lastUsed.channels()
          + " channels but was asked for " + request.channels());
    }
    ChannelStats current = request.current();
    if (current != null && current.nonFinite() > 0) {
      return lastUsed != null ? lastUsed : current.finiteRange();
    }
    return estimate(request);
  }

  @Override
  public final void update(ChannelStats observed, Range used) {
    if (observed.channels() != used.channels()) {
      throw new IllegalArgumentException(
          "statistics of " + observed.channels() + " channels for a range of " + used.channels());
    }
    if (observed.nonFinite() > 0) {
      nonFiniteEvents++;
      return;
    }
    if (observed.elements() == 0) {
      return; // an empty tensor tells nothing
    }
    lastUsed = used;
    updates++;
    learn(observed, used);
  }

  /** How many training steps this estimator learned from (finite, non-empty statistics). */
  protected final long updates() {
    return updates;
  }

  /** The range for a request whose current statistics (if any) are finite. */
  protected abstract Range estimate(RangeRequest request);

  /** Learns from finite, non-empty statistics {@code observed} of a tensor quantized with {@code used}. */
  protected abstract void learn(ChannelStats observed, Range used);

  @Override
  public final long nonFiniteEvents() {
    return nonFiniteEvents;
  }

  /** The last range used on a finite tensor in training, or null. */
  protected final Range lastUsed() {
    return lastUsed;
  }

  @Override
  public final Map<String, double[]> state() {
    Map<String, double[]> s = new LinkedHashMap<>();
    s.put(EVENTS, new double[] {nonFiniteEvents});
    s.put(UPDATES, new double[] {updates});
    if (lastUsed != null) {
      s.put(LAST_MIN, lastUsed.mins());
      s.put(LAST_MAX, lastUsed.maxs());
    }
    saveState(s);
    return s;
  }

  @Override
  public final void restore(Map<String, double[]> state) {
    nonFiniteEvents = (long) StateMaps.scalar(state, EVENTS, type);
    lastUsed = StateMaps.optionalRange(state, LAST_MIN, LAST_MAX, type);
    // a state saved before updates were counted: at least one update where a range was used
    updates = state.containsKey(UPDATES) ? (long) StateMaps.scalar(state, UPDATES, type)
        : lastUsed == null ? 0 : Long.MAX_VALUE;
    restoreState(state);
  }

  /** Adds the subclass state to {@code state}. */
  protected abstract void saveState(Map<String, double[]> state);

  /** Restores the subclass state saved by {@link #saveState}. */
  protected abstract void restoreState(Map<String, double[]> state);
}

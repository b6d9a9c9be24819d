package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * Decides the quantization range of one quantizer, step by step.
 *
 * <p>Protocol, once per quantized tensor (step {@code t}):
 * <ol>
 *   <li>{@link #needsCurrentStats(boolean)}: whether the range depends on the tensor itself. If
 *       so the quantizer runs a statistics pass and passes {@code s_t} (and the values) in the
 *       {@link RangeRequest}; if not, the request carries neither.
 *   <li>{@link #range(RangeRequest)}: the range {@code r_t}. Pure: never changes the state.
 *   <li>The quantizer quantizes with {@code r_t}, collecting {@code s_t} in the same loop.
 *   <li>{@link #update(ChannelStats, Range)} (training only): the estimator learns from
 *       {@code s_t} and {@code r_t}. In evaluation it is not called, so evaluation never changes
 *       an estimator's state.
 * </ol>
 *
 * <p>Non-finite statistics never poison a range: an update whose statistics count NaN/Inf values
 * leaves the state unchanged and increments {@link #nonFiniteEvents()}; a dynamic estimator
 * asked for the range of a tensor holding NaN/Inf returns the last range it used on a finite
 * tensor (or, before any, the finite values' range).
 *
 * <p>Implementations are not thread-safe; one instance belongs to one quantizer.
 */
public interface RangeEstimator {

  EstimatorType type();

  /** Static: {@code r_t} depends only on steps before {@code t} (after warm-up). */
  default boolean isStatic() {
    return type().isStatic();
  }

  /** Whether the next {@link #range} call needs the current tensor's statistics and values. */
  boolean needsCurrentStats(boolean training);

  /** The range for the tensor described by {@code request}; does not change the state. */
  Range range(RangeRequest request);

  /**
   * Learns from a training step: {@code observed} are the statistics of the tensor just quantized
   * with {@code used}.
   */
  void update(ChannelStats observed, Range used);

  /** How many updates were rejected because their statistics held NaN/Inf values. */
  long nonFiniteEvents();

  /**
   * Extra full-precision bytes read to find the range of a tensor of {@code elements} values,
   * beyond the statistics pass (e.g. the search passes of {@link Dsgc}); 0 for most estimators.
   */
  default long searchReadBytes(long elements) {
    return 0;
  }

  /** The whole state in a plain serializable form (arrays of doubles by key). */
  Map<String, double[]> state();

  /** Restores a state produced by {@link #state()} of an estimator of the same type and configuration. */
  void restore(Map<String, double[]> state);
}

package io.hindsight.quant;

import io.hindsight.quant.traffic.TrafficTotals;
import java.util.Map;

/**
 * The checkpointed state of one {@link TensorQuantizer}: plain values only (Jackson-serializable),
 * so that a resumed run quantizes with exactly the ranges and random draws of an uninterrupted one.
 *
 * @param estimator the estimator id the state belongs to (checked on restore)
 * @param estimatorState {@link io.hindsight.quant.estimator.RangeEstimator#state()}
 * @param rng the stochastic-rounding generator state ({@link io.hindsight.util.Rng#state()}), null for nearest rounding
 * @param counters {@code {steps, elements, clipped, nonFiniteValues}}
 * @param lastRangeMin per-channel minima of the last range used, null before the first step
 * @param lastRangeMax per-channel maxima of the last range used, null before the first step
 * @param traffic the quantizer's traffic totals
 */
public record QuantizerState(
    String estimator,
    Map<String, double[]> estimatorState,
    long[] rng,
    long[] counters,
    double[] lastRangeMin,
    double[] lastRangeMax,
    TrafficTotals traffic) {}

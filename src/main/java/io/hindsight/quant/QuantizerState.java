package io.hindsight.quant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.hindsight.quant.traffic.TrafficTotals;
import java.util.Map;

/**
 * The checkpointed state of one {@link TensorQuantizer}: plain values only (Jackson-serializable),
 * so that a resumed run quantizes with exactly the ranges and random numbers of an uninterrupted
 * one (stochastic rounding's numbers are a function of the quantizer's stream and its call count,
 * {@code counters[0]}; checkpoints written before that still carry a generator state {@code rng},
 * which is ignored).
 *
 * @param estimator the estimator id the state belongs to (checked on restore)
 * @param estimatorState {@link io.hindsight.quant.estimator.RangeEstimator#state()}
 * @param counters {@code {steps, elements, clipped, nonFiniteValues}}
 * @param lastRangeMin per-channel minima of the last range used, null before the first step
 * @param lastRangeMax per-channel maxima of the last range used, null before the first step
 * @param traffic the quantizer's traffic totals
 */
@JsonIgnoreProperties({"rng"})
public record QuantizerState(
    String estimator,
    Map<String, double[]> estimatorState,
    long[] counters,
    double[] lastRangeMin,
    double[] lastRangeMax,
    TrafficTotals traffic) {}

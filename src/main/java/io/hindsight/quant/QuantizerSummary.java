package io.hindsight.quant;

import io.hindsight.quant.traffic.TrafficTotals;

/**
 * The run totals of one quantizer, for {@code result.json} and metrics.
 *
 * @param name {@code <layer>/<kind>}
 * @param estimator the estimator id, e.g. {@code hindsight-minmax}
 * @param isStatic whether the estimator is static
 * @param steps training-time quantizations
 * @param clippedFraction clipped values / values over the run
 * @param nonFiniteValues NaN/Inf values seen
 * @param nonFiniteEvents updates the estimator rejected because of NaN/Inf values
 * @param finalMin envelope minimum of the last range used (NaN before the first step)
 * @param finalMax envelope maximum of the last range used (NaN before the first step)
 * @param traffic memory traffic of this quantizer over the run
 */
public record QuantizerSummary(
    String name,
    String layer,
    String kind,
    int bits,
    boolean symmetric,
    String granularity,
    String estimator,
    boolean isStatic,
    String rounding,
    long steps,
    long elements,
    long clipped,
    double clippedFraction,
    long nonFiniteValues,
    long nonFiniteEvents,
    double finalMin,
    double finalMax,
    TrafficTotals traffic) {}

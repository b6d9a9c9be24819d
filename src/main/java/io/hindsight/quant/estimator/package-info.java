/**
 * Range estimators: per-quantizer state that decides the range {@code r_t} used to quantize the
 * tensor of step {@code t}, given the statistics {@code s_t = (min, max)} observed on the tensors
 * quantized so far. Static estimators ({@code hindsight-minmax}, {@code hindsight-ema},
 * {@code amax-history}, {@code fixed}) fix {@code r_t} before the tensor exists, so the producing
 * kernel can write low-bit output directly; dynamic ones ({@code current-minmax},
 * {@code running-minmax}, {@code dsgc}) need the full-precision tensor first.
 * See {@link io.hindsight.quant.estimator.RangeEstimator} for the protocol.
 */
package io.hindsight.quant.estimator;

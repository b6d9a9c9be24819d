/**
 * Fully quantized training with in-hindsight range estimation (Fournarakis &amp; Nagel, CVPR-W 2021).
 *
 * <p>Entry point for the trainer: {@link io.hindsight.quant.QuantizationPlan}, a
 * {@link io.hindsight.nn.QuantHooksProvider} built from the job spec's {@code quantization} block
 * ({@link io.hindsight.quant.config.QuantizationConfig}). It gives every Linear/Conv2d layer three
 * {@link io.hindsight.quant.TensorQuantizer}s ({@code <layer>/weight}, {@code <layer>/activation},
 * {@code <layer>/gradient}), each combining a grid, a rounding mode and a
 * {@link io.hindsight.quant.estimator.RangeEstimator}, and accounts the memory traffic of each
 * quantization ({@link io.hindsight.quant.traffic}).
 *
 * <p>Sub-packages: {@code math} (grid, scale, the one-pass kernel), {@code estimator},
 * {@code config}, {@code traffic}. Dependencies point one way: this package uses all of them,
 * {@code config} uses {@code estimator} and {@code math}, {@code estimator} uses {@code math}.
 */
package io.hindsight.quant;

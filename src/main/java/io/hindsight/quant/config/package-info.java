/**
 * The {@code quantization} block of a job spec: strict Jackson records
 * ({@link io.hindsight.quant.config.QuantizationConfig} and its parts), their validation with
 * JSON-path error messages ({@link io.hindsight.quant.config.QuantConfigException}), and the
 * resolution of defaults and per-layer overrides into one
 * {@link io.hindsight.quant.config.QuantizerSpec} per quantizer.
 */
package io.hindsight.quant.config;

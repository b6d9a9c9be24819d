/**
 * Memory-traffic accounting of quantization under the accelerator model documented in
 * {@link io.hindsight.quant.traffic.TrafficModel} and {@code docs/memory-traffic.md}: what the
 * configured range estimators move, and what the same tensors would have moved under a dynamic
 * (or static) scheme.
 */
package io.hindsight.quant.traffic;

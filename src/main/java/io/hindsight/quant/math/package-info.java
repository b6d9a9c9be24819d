/**
 * The integer-quantization arithmetic shared by every quantizer: the integer grid
 * ({@link io.hindsight.quant.math.QuantGrid}), ranges and the scale / zero point derived from them
 * ({@link io.hindsight.quant.math.Range}, {@link io.hindsight.quant.math.QuantParams}), and the
 * one-pass fake-quantization kernel that also returns the statistics of its input
 * ({@link io.hindsight.quant.math.FakeQuant}, {@link io.hindsight.quant.math.ChannelStats}).
 * Nothing here keeps state between calls.
 */
package io.hindsight.quant.math;

package io.hindsight.quant;

/** Receives a record of every training-time quantization (e.g. to write {@code ranges.csv}). */
@FunctionalInterface
public interface QuantizationListener {
  void onQuantized(QuantizationRecord record);
}

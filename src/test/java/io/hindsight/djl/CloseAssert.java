package io.hindsight.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.hindsight.tensor.Tensor;

/**
 * Element-wise closeness checks, {@code |actual - expected| <= atol + rtol * |expected|}, whose
 * failure message names the compared quantity and its worst element (index, both values, and
 * how many elements failed), so a mismatch points at the offending place directly.
 */
final class CloseAssert {
  private CloseAssert() {}

  static void assertClose(String name, Tensor expected, Tensor actual, double rtol, double atol) {
    assertThat(actual.shape()).as(name + " shape").containsExactly(expected.shape());
    assertClose(name, expected.data(), actual.data(), rtol, atol);
  }

  static void assertClose(String name, float[] expected, float[] actual, double rtol, double atol) {
    if (expected.length != actual.length) {
      fail(name + ": expected " + expected.length + " values but got " + actual.length);
    }
    int worst = -1;
    double worstRatio = 0;
    int failures = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      double allowed = atol + rtol * Math.abs(e);
      double diff = Math.abs(a - e);
      boolean ok = diff <= allowed || (Double.isNaN(e) && Double.isNaN(a)) || (e == a);
      double ratio = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / allowed;
      if (!ok) {
        failures++;
      }
      if (!ok && (worst < 0 || ratio > worstRatio)) {
        worst = i;
        worstRatio = ratio;
      }
    }
    if (failures > 0) {
      fail(String.format("%s: %d of %d values differ beyond rtol=%g atol=%g; worst at index %d: expected %s, actual %s"
              + " (|diff| = %g, %.1fx the tolerance)",
          name, failures, expected.length, rtol, atol, worst, expected[worst], actual[worst],
          Math.abs((double) actual[worst] - expected[worst]), worstRatio));
    }
  }

  /** The largest absolute value, for tolerances scaled to a tensor's magnitude. */
  static double maxAbs(Tensor t) {
    double m = 0;
    for (float v : t.data()) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}

package io.hindsight.cuda;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.SplittableRandom;

/** Assertions and test data for {@link GpuSelfTest} (plain Java, no JUnit, so the bundle can run them). */
final class Checks {
  private Checks() {}

  /** Each channel's range of {@code seen} narrowed to 0.8 of its bounds: a range that clips. */
  static Range clipping(ChannelStats seen, int channels) {
    double[] lo = new double[channels];
    double[] hi = new double[channels];
    for (int c = 0; c < channels; c++) {
      lo[c] = seen.min(c) * 0.8;
      hi[c] = seen.max(c) * 0.8;
    }
    return Range.of(lo, hi);
  }

  static void fail(String message) {
    throw new AssertionError(message);
  }

  static void check(boolean condition, String message) {
    if (!condition) {
      fail(message);
    }
  }

  /** Exact equality of two int8 arrays, reporting the first mismatch and the count. */
  static void equal(String what, byte[] expected, byte[] actual) {
    check(expected.length == actual.length, what + ": length " + actual.length + " != " + expected.length);
    int bad = 0;
    int first = -1;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        bad++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (bad > 0) {
      fail(what + ": " + bad + " of " + expected.length + " differ; first at " + first + ": expected "
          + expected[first] + " got " + actual[first]);
    }
  }

  static void equal(String what, short[] expected, short[] actual) {
    int bad = 0;
    int first = -1;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        bad++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (bad > 0) {
      fail(what + ": " + bad + " of " + expected.length + " differ; first at " + first + ": expected "
          + expected[first] + " got " + actual[first]);
    }
  }

  static void equal(String what, int[] expected, int[] actual) {
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        fail(what + ": differ at " + i + ": expected " + expected[i] + " got " + actual[i]);
      }
    }
  }

  /** Bit-exact float equality (NaN equals NaN). */
  static void bitEqual(String what, float[] expected, float[] actual) {
    int bad = 0;
    int first = -1;
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        bad++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (bad > 0) {
      fail(what + ": " + bad + " of " + expected.length + " differ; first at " + first + ": expected "
          + expected[first] + " got " + actual[first]);
    }
  }

  static void equal(String what, QuantStats expected, QuantStats actual) {
    boolean same = Float.floatToIntBits(expected.min()) == Float.floatToIntBits(actual.min())
        && Float.floatToIntBits(expected.max()) == Float.floatToIntBits(actual.max())
        && expected.clipped() == actual.clipped() && expected.nonFinite() == actual.nonFinite();
    check(same, what + ": expected " + expected + " got " + actual);
  }

  /** {@code |actual - expected| <= atol + rtol * |expected|} elementwise. */
  static void close(String what, float[] expected, float[] actual, int count, float rtol, float atol) {
    double worst = 0;
    int at = -1;
    for (int i = 0; i < count; i++) {
      double err = Math.abs((double) actual[i] - expected[i]);
      double tol = atol + rtol * Math.abs(expected[i]);
      if (!(err <= tol) && (Double.isNaN(err) || err - tol > worst)) {
        worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err - tol;
        at = i;
      }
    }
    if (at >= 0) {
      fail(what + ": element " + at + " expected " + expected[at] + " got " + actual[at]
          + " (rtol " + rtol + ", atol " + atol + ")");
    }
  }

  static void close(String what, float[] expected, float[] actual, float rtol, float atol) {
    check(expected.length == actual.length, what + ": length " + actual.length + " != " + expected.length);
    close(what, expected, actual, expected.length, rtol, atol);
  }

  static float[] normal(SplittableRandom r, int n, float std) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller: deterministic for a seeded SplittableRandom
      double u1 = 1.0 - r.nextDouble();
      double u2 = r.nextDouble();
      x[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return x;
  }

  static float[] uniform(SplittableRandom r, int n, float lo, float hi) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return x;
  }

  /** Uniform int8 values in {@code [lo, hi]}. */
  static byte[] int8(SplittableRandom r, int n, int lo, int hi) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(lo, hi + 1);
    }
    return b;
  }
}

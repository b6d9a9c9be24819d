package io.hindsight.quant.math;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.util.CounterRng;
import io.hindsight.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Splitting a per-tensor pass over threads must change nothing: every output bit, the statistics
 * (including which signed zero is the minimum) and the clip mask.
 */
class FakeQuantParallelTest {
  private static final int N = FakeQuant.PARALLEL_MIN_ELEMENTS * 3 + 17;

  private static float[] input() {
    Rng rng = new Rng(11);
    float[] x = new float[N];
    for (int i = 0; i < N; i++) {
      x[i] = (float) (rng.nextGaussian() * 2);
    }
    x[5] = Float.NaN;
    x[N / 2] = Float.POSITIVE_INFINITY;
    x[N - 3] = Float.NEGATIVE_INFINITY;
    x[100] = 40f; // clipped above
    x[N - 100] = -40f; // clipped below
    return x;
  }

  @ParameterizedTest
  @EnumSource(Rounding.class)
  void chunkedPassEqualsOneLoop(Rounding rounding) {
    float[] x = input();
    QuantParams p = QuantParams.of(new QuantGrid(4, true), Range.of(-3, 3));
    float[] serial = new float[N];
    float[] chunked = new float[N];
    boolean[] serialMask = new boolean[N];
    boolean[] chunkedMask = new boolean[N];
    long key = CounterRng.key(7, 0);
    ChannelStats a = FakeQuant.quantize(x, serial, p, rounding, key, serialMask);
    ChannelStats b;
    try (CpuBackend three = new CpuBackend(3)) {
      b = FakeQuant.quantize(x, chunked, p, rounding, key, chunkedMask, three);
    }
    for (int i = 0; i < N; i++) {
      assertThat(Float.floatToRawIntBits(chunked[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(serial[i]));
    }
    assertThat(chunkedMask).isEqualTo(serialMask);
    assertThat(b.min(0)).isEqualTo(a.min(0));
    assertThat(b.max(0)).isEqualTo(a.max(0));
    assertThat(b.clipped()).isEqualTo(a.clipped()).isPositive();
    assertThat(b.nonFinite()).isEqualTo(a.nonFinite()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Rounding.class)
  void statsPassEqualsOneLoop(Rounding ignored) {
    float[] x = input();
    ChannelStats a = FakeQuant.stats(x, 1);
    ChannelStats b = FakeQuant.stats(x, 1, new CpuBackend(2));
    assertThat(b.min(0)).isEqualTo(a.min(0));
    assertThat(b.max(0)).isEqualTo(a.max(0));
    assertThat(b.nonFinite()).isEqualTo(a.nonFinite()).isEqualTo(3);
  }

  @org.junit.jupiter.api.Test
  void signedZeroMinimumIsTheFirstOneMet() {
    float[] x = new float[N];
    java.util.Arrays.fill(x, 1f);
    x[N - 10] = 0f; // in a later chunk
    x[3] = -0f; // met first: a single loop keeps it (0f is not < -0f)
    float[] y = new float[N];
    ChannelStats b = FakeQuant.quantize(x, y, QuantParams.of(new QuantGrid(8, true), Range.of(-1, 1)),
        Rounding.NEAREST, 0L, null, new CpuBackend(2));
    assertThat(Float.floatToRawIntBits(b.min(0))).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(Float.floatToRawIntBits(FakeQuant.stats(x, 1, new CpuBackend(2)).min(0)))
        .isEqualTo(Float.floatToRawIntBits(-0f));
  }
}

package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.Rounding;
import io.hindsight.util.CounterRng;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code quantize_weights_t} on the software device against the sequence it replaces in a dense
 * layer's weight quantization: the forward codes by {@code quantize_channels} (per channel) or
 * {@code quantize_static_stats} (per tensor), then the input gradient's per-tensor codes transposed
 * by {@code transpose_s8} (per channel: from a nearest {@code quantize_static_stats} with the
 * per-tensor parameters). Every byte of q, qT and the statistics must agree.
 */
class QuantizeWeightsTransposedTest {
  private static final long KEY = CounterRng.key(42, 7);

  /** What one way of quantizing the weights wrote. */
  private record Written(byte[] q, byte[] qT, byte[] stats) {}

  /** Weights (out, inner) with a clipping range per channel (or per tensor), the parameters of both uses. */
  private record Case(int out, int inner, int channels, float[] w, QuantParams forward, QuantParams perTensor) {
    int n() {
      return out * inner;
    }

    float[] scales() {
      return ChannelParams.scales(forward);
    }

    int[] levels() {
      return ChannelParams.levels(forward);
    }
  }

  /**
   * Normal weights (std 0.2) with NaN, +Inf and -Inf, quantized with 0.8 of each channel's range (so
   * values clip; two values sit half a step beyond a channel's last levels); per channel, the per-tensor
   * parameters are the envelope of the range used, as {@code DeviceQuantization} derives them.
   */
  private static Case weights(int out, int inner, boolean perChannel, QuantGrid grid, long seed) {
    int n = out * inner;
    if (n < 6) {
      throw new IllegalArgumentException("the test weights need at least 6 elements, got " + n);
    }
    int channels = perChannel ? out : 1;
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (r.nextGaussian() * 0.2);
    }
    w[0] = Float.NaN;
    w[n / 2] = Float.POSITIVE_INFINITY;
    w[n - 1] = Float.NEGATIVE_INFINITY;
    ChannelStats seen = FakeQuant.stats(w, channels);
    double[] lo = new double[channels];
    double[] hi = new double[channels];
    for (int c = 0; c < channels; c++) {
      lo[c] = Math.min(0, seen.min(c) * 0.8);
      hi[c] = Math.max(0, seen.max(c) * 0.8);
    }
    Range used = Range.of(lo, hi);
    QuantParams forward = QuantParams.of(grid, used);
    QuantParams perTensor = perChannel ? QuantParams.of(grid, Range.of(used.envelopeMin(), used.envelopeMax()))
        : forward;
    // half a step beyond the last levels: the boundary of FakeQuant.clipped (n >= 6 keeps them apart
    // from the non-finite values)
    int c1 = perChannel ? 1 / inner : 0;
    int c2 = perChannel ? 2 / inner : 0;
    w[1] = (forward.hi(c1) + 0.5f) * forward.scale(c1);
    w[2] = (forward.lo(c2) - 0.5f) * forward.scale(c2);
    return new Case(out, inner, channels, w, forward, perTensor);
  }

  private static byte[] bytes(DeviceBuffer b, long n) {
    byte[] a = new byte[Math.toIntExact(n)];
    b.slice(0, n).download(a);
    return a;
  }

  /** The sequence DeviceQuantization ran before the fused pass. */
  private static Written separatePasses(CudaKernels k, DeviceScope s, Case c, Rounding r) {
    int n = c.n();
    DeviceBuffer x = s.upload(c.w(), "weights");
    DeviceBuffer q = s.bytes(n, "codes");
    DeviceBuffer qT = s.bytes(n, "transposed codes");
    DeviceBuffer stats = s.allocate((long) QuantStats.BYTES * c.channels(), "stats");
    k.statsInit(stats, c.channels());
    DeviceBuffer perTensorCodes = q;
    if (c.channels() > 1) {
      k.quantizeChannels(x, q, n, c.channels(), s.upload(c.scales(), "scales"), s.upload(c.levels(), "levels"), r,
          KEY, stats);
      perTensorCodes = s.bytes(n, "per-tensor codes");
      DeviceBuffer scratch = s.allocate(QuantStats.BYTES, "scratch stats");
      k.statsInit(scratch, 1);
      k.quantizeStatic(x, perTensorCodes, n, c.perTensor(), Rounding.NEAREST, 0, scratch);
    } else {
      k.quantizeStatic(x, q, n, c.forward(), r, KEY, stats);
    }
    k.transposeS8(perTensorCodes, c.out(), c.inner(), qT);
    return new Written(bytes(q, n), bytes(qT, n), bytes(stats, (long) QuantStats.BYTES * c.channels()));
  }

  private static Written fusedPass(CudaKernels k, DeviceScope s, Case c, Rounding r) {
    int n = c.n();
    boolean perChannel = c.channels() > 1;
    DeviceBuffer q = s.bytes(n, "fused codes");
    DeviceBuffer qT = s.bytes(n, "fused transposed codes");
    DeviceBuffer stats = s.allocate((long) QuantStats.BYTES * c.channels(), "fused stats");
    k.statsInit(stats, c.channels());
    k.quantizeWeightsTransposed(s.upload(c.w(), "weights"), q, qT, c.out(), c.inner(), c.channels(),
        perChannel ? s.upload(c.scales(), "scales") : null, perChannel ? s.upload(c.levels(), "levels") : null,
        c.perTensor(), r, KEY, stats);
    return new Written(bytes(q, n), bytes(qT, n), bytes(stats, (long) QuantStats.BYTES * c.channels()));
  }

  private static QuantStats total(byte[] stats, int channels) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(stats).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long clipped = 0;
    long nonFinite = 0;
    for (int c = 0; c < channels; c++) {
      clipped += b.getLong(QuantStats.BYTES * c + 8);
      nonFinite += b.getLong(QuantStats.BYTES * c + 16);
    }
    return new QuantStats(0f, 0f, clipped, nonFinite);
  }

  @ParameterizedTest(name = "({0}, {1}) per channel {2}, {3}, {4}-bit symmetric {5}")
  @CsvSource({
      "3, 8, true, STOCHASTIC, 8, true", "3, 8, true, NEAREST, 8, true", "3, 8, false, STOCHASTIC, 8, true",
      "7, 333, true, STOCHASTIC, 8, true", "33, 17, true, NEAREST, 8, true", "33, 17, false, STOCHASTIC, 8, true",
      "16, 27, true, STOCHASTIC, 8, true", "10, 1, true, STOCHASTIC, 8, true", "1, 50, false, STOCHASTIC, 8, true",
      "5, 45, false, NEAREST, 8, true", "64, 64, true, STOCHASTIC, 8, true", "9, 31, true, STOCHASTIC, 8, false",
      "9, 31, false, STOCHASTIC, 8, false", "12, 35, true, STOCHASTIC, 4, true"})
  void theFusedPassWritesEveryByteTheSeparatePassesWrote(int out, int inner, boolean perChannel, Rounding r, int bits,
      boolean symmetric) {
    Case c = weights(out, inner, perChannel, new QuantGrid(bits, symmetric), 31L * out + inner);
    try (CudaBackend sim = CudaBackend.simulated(2)) {
      CudaKernels k = sim.kernels();
      Written expected;
      Written fused;
      try (DeviceScope s = k.device().scope("test")) {
        expected = separatePasses(k, s, c, r);
        fused = fusedPass(k, s, c, r);
      }
      assertThat(fused.q()).as("forward codes").isEqualTo(expected.q());
      assertThat(fused.qT()).as("transposed per-tensor codes").isEqualTo(expected.qT());
      assertThat(fused.stats()).as("statistics, every slot").isEqualTo(expected.stats());
      QuantStats t = total(fused.stats(), c.channels());
      assertThat(t.nonFinite()).isEqualTo(3);
      assertThat(t.clipped()).as("the range clips").isPositive();
      if (!perChannel) {
        for (int o = 0; o < out; o++) {
          for (int i = 0; i < inner; i++) {
            assertThat(fused.qT()[i * out + o]).isEqualTo(fused.q()[o * inner + i]);
          }
        }
      }
      assertThat(sim.deviceHandle().counters().liveBytes()).isZero();
    }
  }

  @Test
  void stochasticRoundingIsExercised() {
    Case c = weights(7, 333, true, new QuantGrid(8, true), 5);
    try (CudaBackend sim = CudaBackend.simulated(2); DeviceScope s = sim.kernels().device().scope("test")) {
      Written stochastic = fusedPass(sim.kernels(), s, c, Rounding.STOCHASTIC);
      Written nearest = fusedPass(sim.kernels(), s, c, Rounding.NEAREST);
      assertThat(stochastic.q()).isNotEqualTo(nearest.q());
      assertThat(stochastic.qT()).as("per channel, qT is rounded to nearest").isEqualTo(nearest.qT());
    }
  }

  @Test
  void theLaunchCountsOneReadOfTheFloatsAndBothCodes() {
    try (CudaBackend sim = CudaBackend.simulated(2)) {
      CudaKernels k = sim.kernels();
      try (DeviceScope s = k.device().scope("test")) {
        fusedPass(k, s, weights(3, 8, true, new QuantGrid(8, true), 1), Rounding.STOCHASTIC);
        // floats 96 + parameters 3 x 16 read; codes 24 + transposed codes 24 + statistics 3 x 16 written
        assertThat(k.traffic().snapshot().get("quantize_weights_t"))
            .isEqualTo(new TrafficCounter.Entry(1, 96 + 48, 24 + 24 + 48));
        fusedPass(k, s, weights(3, 8, false, new QuantGrid(8, true), 1), Rounding.STOCHASTIC);
        // per tensor: the parameters are arguments; one statistics slot
        assertThat(k.traffic().snapshot().get("quantize_weights_t"))
            .isEqualTo(new TrafficCounter.Entry(2, (96 + 48) + 96, (24 + 24 + 48) + (24 + 24 + 16)));
      }
    }
  }

  @Test
  void badArgumentsAreRefusedWithTheReason() {
    Case c = weights(3, 8, true, new QuantGrid(8, true), 1);
    try (CudaBackend sim = CudaBackend.simulated(2); DeviceScope s = sim.kernels().device().scope("test")) {
      CudaKernels k = sim.kernels();
      DeviceBuffer x = s.upload(c.w(), "weights");
      DeviceBuffer q = s.bytes(24, "q");
      DeviceBuffer qT = s.bytes(24, "qT");
      DeviceBuffer scale = s.upload(c.scales(), "scales");
      DeviceBuffer levels = s.upload(c.levels(), "levels");
      assertThatThrownBy(() -> k.quantizeWeightsTransposed(x, q, qT, 3, 8, 2, scale, levels, c.perTensor(),
          Rounding.NEAREST, 0, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 channels");
      assertThatThrownBy(() -> k.quantizeWeightsTransposed(x, q, qT, 3, 8, 3, scale, levels, c.forward(),
          Rounding.NEAREST, 0, null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("per-tensor parameters");
      assertThatThrownBy(() -> k.quantizeWeightsTransposed(x, q, qT, 3, 8, 3, null, levels, c.perTensor(),
          Rounding.NEAREST, 0, null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("scale is required");
      assertThatThrownBy(() -> k.quantizeWeightsTransposed(x, q, s.bytes(20, "short"), 3, 8, 3, scale, levels,
          c.perTensor(), Rounding.NEAREST, 0, null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("qT");
      assertThatThrownBy(() -> k.quantizeWeightsTransposed(x, q, qT, 0, 8, 1, null, null, c.perTensor(),
          Rounding.NEAREST, 0, null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one element");
    }
  }
}

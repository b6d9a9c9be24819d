package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.Rounding;
import io.hindsight.util.CounterRng;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One definition of quantization: the CPU engine's path ({@link FakeQuant#quantize}, per tensor and
 * per channel, split over threads) and the quantization kernels' reference ({@link QuantizeRef}:
 * integer codes, per-tensor parameters per launch, element index as the kernel counts it) compute
 * the same thing bit for bit, for every configuration: bits 2-16, symmetric and asymmetric,
 * per-tensor and per-channel, nearest and stochastic, with NaN/Inf, ranges narrower and wider
 * than the data, zero-width and subnormal ranges.
 */
class QuantizationDefinitionTest {
  private static final CpuBackend THREADS = new CpuBackend(3);

  @AfterAll
  static void closeThreads() {
    THREADS.close();
  }

  static Stream<Arguments> configurations() {
    List<Arguments> out = new ArrayList<>();
    for (int bits = 2; bits <= 16; bits++) {
      for (boolean symmetric : new boolean[] {true, false}) {
        for (boolean perChannel : new boolean[] {false, true}) {
          for (Rounding rounding : Rounding.values()) {
            out.add(Arguments.of(bits, symmetric, perChannel, rounding));
          }
        }
      }
    }
    return out.stream();
  }

  /** Gaussian data of varying scale per channel, with the special values every kernel must handle. */
  private static float[] data(SplittableRandom r, int n, int channels) {
    float[] x = new float[n];
    int inner = n / channels;
    for (int i = 0; i < n; i++) {
      double scale = Math.pow(10, (i / inner) % 5 - 2);
      x[i] = (float) (r.nextGaussian() * scale);
    }
    x[3] = Float.NaN;
    x[n / 2] = Float.POSITIVE_INFINITY;
    x[n - 2] = Float.NEGATIVE_INFINITY;
    x[7] = -0f;
    x[11] = 1e-41f; // subnormal
    x[13] = 3e38f;
    return x;
  }

  /** Per-channel ranges: some inside the data (clipping), some wider, one zero-width, one subnormal. */
  private static Range ranges(SplittableRandom r, float[] x, int channels) {
    ChannelStats s = FakeQuant.stats(x, channels);
    double[] lo = new double[channels];
    double[] hi = new double[channels];
    for (int c = 0; c < channels; c++) {
      double mn = s.hasFinite(c) ? s.min(c) : 0;
      double mx = s.hasFinite(c) ? s.max(c) : 0;
      double f = switch (c % 4) {
        case 0 -> 0.5;      // narrower than the data: clips
        case 1 -> 1.3;      // wider
        case 2 -> 1e-3;     // much narrower
        default -> 1.0;
      };
      lo[c] = Math.max(-1e30, mn * f * (0.8 + 0.4 * r.nextDouble()));
      hi[c] = Math.min(1e30, mx * f * (0.8 + 0.4 * r.nextDouble()));
      if (lo[c] > hi[c]) {
        double t = lo[c];
        lo[c] = hi[c];
        hi[c] = t;
      }
    }
    if (channels > 4) {
      lo[4] = 0;
      hi[4] = 0; // zero width: everything to 0
      lo[5] = -1e-44;
      hi[5] = 1e-44; // a scale below the smallest normal float: zero width too
    }
    return Range.of(lo, hi);
  }

  @ParameterizedTest(name = "{0} bits, symmetric {1}, per-channel {2}, {3}")
  @MethodSource("configurations")
  void cpuPathAndKernelReferenceAgreeBitForBit(int bits, boolean symmetric, boolean perChannel, Rounding rounding) {
    SplittableRandom r = new SplittableRandom(bits * 31L + (symmetric ? 1 : 0) + (perChannel ? 2 : 0));
    int channels = perChannel ? 8 : 1;
    int n = perChannel ? 8 * 4099 : 3 * 40_961; // the per-tensor case is long enough to be split over threads
    float[] x = data(r, n, channels);
    QuantGrid grid = new QuantGrid(bits, symmetric);
    QuantParams p = QuantParams.of(grid, ranges(r, x, channels));
    long key = CounterRng.key(r.nextLong(), r.nextInt(1000));

    float[] cpu = new float[n];
    boolean[] mask = new boolean[n];
    ChannelStats cs = FakeQuant.quantize(x, cpu, p, rounding, key, mask, THREADS);

    int inner = n / channels;
    long clipped = 0;
    long nonFinite = 0;
    for (int c = 0; c < channels; c++) {
      // each channel with its own parameters; the element index is the tensor's flat index
      QuantizeRef.Accumulator acc = new QuantizeRef.Accumulator();
      for (int j = 0; j < inner; j++) {
        int i = c * inner + j;
        int code = QuantizeRef.code(x[i], p, c, rounding, key, i, acc);
        if (code < grid.qmin() || code > grid.qmax()) {
          throw new AssertionError("code " + code + " of element " + i + " outside " + grid);
        }
        float value = (float) (code - p.zeroPoint(c)) * p.scale(c);
        if (Float.floatToRawIntBits(value) != Float.floatToRawIntBits(cpu[i])
            && !(value == 0f && cpu[i] == 0f)) {
          throw new AssertionError("element " + i + " (x = " + x[i] + ", channel " + c + ", " + p + "): kernel "
              + value + " (code " + code + "), CPU " + cpu[i]);
        }
      }
      QuantStats ks = acc.stats();
      if (cs.hasFinite(c)) {
        assertThat(ks.min()).isEqualTo(cs.min(c));
        assertThat(ks.max()).isEqualTo(cs.max(c));
      }
      clipped += ks.clipped();
      nonFinite += ks.nonFinite();
    }
    assertThat(clipped).as("clipped count").isEqualTo(cs.clipped());
    assertThat(nonFinite).as("non-finite count").isEqualTo(cs.nonFinite()).isEqualTo(3);
  }

  @Test
  void deviceDerivedParametersAreTheHostDefinition() {
    // quantize_with_range derives parameters from the statistics it measured (hs_derive_params);
    // its reference must be QuantParams.of of the same range, for every grid
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 2000; i++) {
      float a = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
      float b = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
      QuantStats s = new QuantStats(Math.min(a, b), Math.max(a, b), 0, 0);
      int bits = 2 + r.nextInt(15);
      boolean sym = r.nextBoolean();
      QuantParams dev = QuantizeRef.paramsFromStats(s, bits, sym);
      QuantParams host = QuantParams.of(new QuantGrid(bits, sym), Range.of(s.min(), s.max()));
      assertThat(dev.scale(0)).isEqualTo(host.scale(0));
      assertThat(dev.zeroPoint(0)).isEqualTo(host.zeroPoint(0));
      assertThat(dev.lo(0)).isEqualTo(host.lo(0));
      assertThat(dev.hi(0)).isEqualTo(host.hi(0));
    }
    QuantParams none = QuantizeRef.paramsFromStats(QuantStats.empty(), 8, false);
    assertThat(none.zeroWidth(0)).as("no finite value seen: the range [0, 0]").isTrue();
  }
}

package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The traffic formulas and the counter's aggregation. */
class TrafficTest {

  @Test
  void formulas() {
    assertThat(Traffic.quantize(1000, 1)).containsExactly(4000, 1000 + 16);
    assertThat(Traffic.quantize(1000, 2)).containsExactly(4000, 2000 + 16);
    assertThat(Traffic.minmax(10)).containsExactly(40, 16);
    // a dense layer's weights (3, 8) in one pass: floats and per-channel parameters read; forward
    // codes, transposed codes and statistics written (per tensor: no parameter reads, one slot)
    assertThat(Traffic.quantizeWeightsTransposed(24, 3, true)).containsExactly(96 + 3 * 16, 2 * 24 + 3 * 16);
    assertThat(Traffic.quantizeWeightsTransposed(24, 1, true)).containsExactly(96, 2 * 24 + 16);
    assertThat(Traffic.quantizeWeightsTransposed(24, 3, false)).containsExactly(96 + 3 * 16, 2 * 24);
    // 16384 x 1024 x 4096 forward: read x and W once, per-channel scale + bias, write int8 y
    assertThat(Traffic.gemmS8Nt(16384, 4096, 1024, 2, false))
        .containsExactly(16384L * 1024 + 4096L * 1024 + 2 * 4 * 4096, 16384L * 4096);
    assertThat(Traffic.gemmS8Nt(4, 5, 6, 0, true)).containsExactly(24 + 30, 80);
    assertThat(Traffic.wgrad(10, 3, 4, 2)).containsExactly(30 + 40, 2 * 48);
    assertThat(Traffic.wgradFinish(3, 4, 2, true)).containsExactly(2 * 48 + 48, 48);
    assertThat(Traffic.sgemm(2, 3, 4, 5, true, false, false, true)).containsExactly(4 * 8 + 4 * 12 * 5, 4 * 6);
    assertThat(Traffic.copy(64)).containsExactly(64, 64);
  }

  @Test
  void counterAggregatesPerKernel() {
    TrafficCounter c = new TrafficCounter();
    c.record("a", 10, 5);
    c.record("b", 1, 1);
    c.record("a", 20, 5);
    assertThat(c.snapshot().get("a")).isEqualTo(new TrafficCounter.Entry(2, 30, 10));
    assertThat(c.bytesMoved()).isEqualTo(42);
    assertThat(c.launches()).isEqualTo(3);
    c.reset();
    assertThat(c.bytesMoved()).isZero();
  }

  @Test
  void writesKnownAfterALaunchJoinItsKernelAsQuantizationTraffic() {
    TrafficCounter c = new TrafficCounter();
    try (TrafficCounter.Quantizing q = c.quantizing()) {
      c.record("apply_mask", 100, 0); // reads the mask; its writes depend on the data
    }
    c.addWritten("apply_mask", 28); // 7 elements zeroed, from the step's statistics
    assertThat(c.snapshot().get("apply_mask")).isEqualTo(new TrafficCounter.Entry(1, 100, 28));
    assertThat(c.quantizationBytes()).isEqualTo(128);
    assertThat(c.launches()).isEqualTo(1);
  }
}

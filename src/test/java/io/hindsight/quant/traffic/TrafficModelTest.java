package io.hindsight.quant.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrafficModelTest {

  @Test
  void staticRangeWritesTheLowBitTensorAndSixteenBytesOfStatistics() {
    TrafficTotals t = TrafficModel.quantization(1000, 8, 1, false, 0);
    assertThat(t.bytesMoved()).isEqualTo(1000 + 16);
    assertThat(t.bytesMovedIfStatic()).isEqualTo(1016);
    assertThat(t.peakFullPrecisionBytes()).isZero();
  }

  @Test
  void dynamicRangeWritesReadsAndReadsAgainTheFullPrecisionTensor() {
    TrafficTotals t = TrafficModel.quantization(1000, 8, 1, true, 0);
    assertThat(t.bytesMoved()).isEqualTo(4000 + 4000 + 4000 + 1000);
    assertThat(t.bytesMovedIfDynamic()).isEqualTo(13_000);
    assertThat(t.bytesMovedIfStatic()).isEqualTo(1016);
    assertThat(t.peakFullPrecisionBytes()).isEqualTo(4000);
    assertThat(t.peakFullPrecisionBytesIfDynamic()).isEqualTo(4000);
    assertThat(TrafficModel.quantization(1000, 8, 1, false, 0).savingVersusDynamic()).isEqualTo(13_000.0 / 1016);
  }

  @Test
  void subByteTensorsArePackedAndPerChannelStatisticsCostEightBytesPerChannel() {
    assertThat(TrafficModel.lowBitBytes(1001, 4)).isEqualTo(501);
    assertThat(TrafficModel.lowBitBytes(3, 2)).isEqualTo(1);
    assertThat(TrafficModel.lowBitBytes(10, 16)).isEqualTo(20);
    assertThat(TrafficModel.statsBytes(16)).isEqualTo(136);
    assertThat(TrafficModel.staticBytes(1024, 4, 16)).isEqualTo(512 + 136);
  }

  @Test
  void searchReadsAreChargedToDynamicQuantizationsOnly() {
    assertThat(TrafficModel.quantization(100, 8, 1, true, 800).bytesMoved()).isEqualTo(1300 + 800);
    assertThat(TrafficModel.quantization(100, 8, 1, true, 800).bytesMovedIfDynamic()).isEqualTo(1300);
  }

  @Test
  void meterAggregatesPerStepEpochAndRun() {
    TrafficMeter m = new TrafficMeter();
    TrafficTotals s = TrafficModel.quantization(1000, 8, 1, false, 0);
    TrafficTotals d = TrafficModel.quantization(500, 8, 1, true, 0);
    m.record(s);
    m.record(d);
    assertThat(m.step().bytesMoved()).isEqualTo(1016 + 6500);
    assertThat(m.step().quantizations()).isEqualTo(2);
    assertThat(m.step().peakFullPrecisionBytes()).isEqualTo(2000); // the largest buffer, not the sum
    m.beginStep();
    m.record(s);
    assertThat(m.step().bytesMoved()).isEqualTo(1016);
    assertThat(m.epoch().bytesMoved()).isEqualTo(2 * 1016 + 6500);
    m.beginEpoch();
    assertThat(m.epoch()).isEqualTo(TrafficTotals.ZERO);
    assertThat(m.run().bytesMoved()).isEqualTo(2 * 1016 + 6500);
    assertThat(m.run().bytesMovedIfDynamic()).isEqualTo(2 * 13_000 + 6500);
    assertThat(m.run().elements()).isEqualTo(2500);

    TrafficMeter resumed = new TrafficMeter();
    resumed.restore(m.run());
    assertThat(resumed.run()).isEqualTo(m.run());
    assertThat(resumed.step()).isEqualTo(TrafficTotals.ZERO);
  }
}

package io.hindsight.quant.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrafficModelTest {
  private static final Route KEEPS = new Route(Route.Feed.PRODUCER_KEEPS_FLOATS, false, Route.WeightCopy.NONE);
  private static final Route EXISTING = new Route(Route.Feed.EXISTING_FLOATS, false, Route.WeightCopy.NONE);
  private static final Route WRITTEN = new Route(Route.Feed.WRITTEN_FOR_QUANTIZER, false, Route.WeightCopy.NONE);

  @Test
  void aStaticRangeInTheProducerWritesTheCodesAndSixteenBytesOfStatistics() {
    TrafficTotals t = TrafficModel.quantization(1000, 8, 1, false, 0);
    assertThat(t.bytesMoved()).isEqualTo(1000 + 16);
    assertThat(t.bytesMovedIfStatic()).isEqualTo(1016);
    assertThat(t.peakFullPrecisionBytes()).isZero();
    assertThat(TrafficModel.quantization(1000, 8, 1, false, 0, KEEPS).bytesMoved()).isEqualTo(1016);
  }

  @Test
  void aDynamicRangeWritesReadsAndReadsAgainTheFullPrecisionTensor() {
    TrafficTotals t = TrafficModel.quantization(1000, 8, 1, true, 0);
    // floats written, statistics pass (+16), quantizing pass, codes and statistics (+16)
    assertThat(t.bytesMoved()).isEqualTo(4000 + 4000 + 16 + 4000 + 1000 + 16);
    assertThat(t.bytesMovedIfDynamic()).isEqualTo(13_032);
    assertThat(t.bytesMovedIfStatic()).isEqualTo(1016);
    assertThat(t.peakFullPrecisionBytes()).isEqualTo(4000);
    assertThat(t.peakFullPrecisionBytesIfDynamic()).isEqualTo(4000);
    assertThat(TrafficModel.quantization(1000, 8, 1, false, 0).savingVersusDynamic()).isEqualTo(13_032.0 / 1016);
    // floats another consumer needs anyway are not charged their write
    assertThat(TrafficModel.quantization(1000, 8, 1, true, 0, KEEPS).bytesMoved()).isEqualTo(9032);
    assertThat(TrafficModel.quantization(1000, 8, 1, true, 0, KEEPS).peakFullPrecisionBytes()).isZero();
  }

  @Test
  void tensorsTheProducerCannotQuantizeAreReadByAPassEvenWithAStaticRange() {
    assertThat(TrafficModel.quantization(1000, 8, 1, false, 0, EXISTING).bytesMoved()).isEqualTo(4000 + 1016);
    TrafficTotals written = TrafficModel.quantization(1000, 8, 1, false, 0, WRITTEN);
    assertThat(written.bytesMoved()).isEqualTo(4000 + 4000 + 1016);
    assertThat(written.peakFullPrecisionBytes()).isEqualTo(4000);
    assertThat(TrafficModel.quantization(1000, 8, 1, true, 0, WRITTEN).bytesMoved()).isEqualTo(13_032);
  }

  @Test
  void theModelsInputQuantizedByTheHostCostsItsCodesAndStatisticsWhateverTheRange() {
    Route host = new Route(Route.Feed.HOST, false, Route.WeightCopy.NONE);
    // the upload writes the codes and the statistics record; the host measured the batch itself
    TrafficTotals dynamic = TrafficModel.quantization(1000, 8, 1, true, 0, host);
    assertThat(dynamic.bytesMoved()).isEqualTo(1000 + 16);
    assertThat(dynamic.bytesMovedIfStatic()).isEqualTo(1016);
    assertThat(dynamic.bytesMovedIfDynamic()).isEqualTo(1016);
    assertThat(dynamic.peakFullPrecisionBytes()).isZero();
    assertThat(dynamic.peakFullPrecisionBytesIfDynamic()).isZero();
    assertThat(TrafficModel.quantization(1000, 4, 1, false, 0, host).bytesMoved()).isEqualTo(500 + 16);
  }

  @Test
  void theClippingMaskAndTheInputGradientWeightsAreCharged() {
    Route mask = new Route(Route.Feed.PRODUCER, true, Route.WeightCopy.NONE);
    // the mask, a bit per value in ceil(100 / 32) = 4 words and their summary in 1 word, read in
    // backward (4); nothing clipped: no bit set, no word read, no zeroing writes, nothing to clear
    assertThat(TrafficModel.quantization(100, 8, 1, false, 0, mask).bytesMoved()).isEqualTo(116 + 4);
    // 7 clipped or non-finite elements: 7 bits set (a word's atomic OR each) and 7 floats of the
    // input gradient zeroed (8 x 7); at most min(7, 4) = 4 words marked in the summary, read and
    // cleared (12 x 4); at most 1 summary word cleared (4); in both alternatives
    TrafficTotals clipped = TrafficModel.quantization(100, 8, 1, false, 0, mask, 7);
    assertThat(clipped.bytesMoved()).isEqualTo(116 + 4 + 56 + 48 + 4);
    assertThat(clipped.bytesMovedIfDynamic()).isEqualTo(TrafficModel.bytes(100, 8, 1, true, mask, 7));
    assertThat(TrafficModel.bytes(100, 8, 1, true, mask, 7) - TrafficModel.bytes(100, 8, 1, true, mask)).isEqualTo(108);
    // 33 values: two words, one summary word
    assertThat(TrafficModel.maskBytes(33, 0)).isEqualTo(4);
    // a million values: 32 768 words, 1 024 summary words; backward reads the summary alone when
    // nothing clipped, a 1 024th of the values' count in bytes
    assertThat(TrafficModel.maskBytes(1 << 20, 0)).isEqualTo(4096);
    // two elements clipped: their ORs and zeros (16), two words (24), two summary words at most (8)
    assertThat(TrafficModel.maskBytes(1 << 20, 2)).isEqualTo(4096 + 16 + 24 + 8);
    // the producer's, the late reads' and the late writes' shares add up to it with the summary read
    assertThat(TrafficModel.maskSummaryBytes(1 << 20) + TrafficModel.maskStopBytes(1 << 20, 2)
        + TrafficModel.maskApplyReadBytes(1 << 20, 2) + TrafficModel.maskApplyWrittenBytes(1 << 20, 2))
        .isEqualTo(TrafficModel.maskBytes(1 << 20, 2));
    // a dense layer's weights: one pass reads the floats (96) and writes the forward codes (24), the
    // statistics (16) and the same codes transposed for the input gradient (24)
    Route transposed = new Route(Route.Feed.EXISTING_FLOATS, false, Route.WeightCopy.TRANSPOSED);
    assertThat(TrafficModel.bytes(24, 8, 1, false, transposed)).isEqualTo(96 + 24 + 16 + 24);
    Route requantized = new Route(Route.Feed.EXISTING_FLOATS, false, Route.WeightCopy.REQUANTIZED);
    // per channel (3), dynamic: the statistics pass (96 + 48), then one pass reading the floats and
    // the parameters (96 + 48) and writing the per-channel codes and statistics (24 + 48) and the
    // per-tensor codes, transposed (24)
    assertThat(TrafficModel.bytes(24, 8, 3, true, requantized))
        .isEqualTo((96 + 48) + (96 + 48 + 24 + 48) + 24);
    assertThat(TrafficModel.bytes(24, 8, 3, true, requantized)).isEqualTo(384);
    // the worked example of docs/memory-traffic.md: the statistics recorded by the optimizer (48)
    assertThat(TrafficModel.bytes(24, 8, 3, true, true, requantized, 0)).isEqualTo(288);
  }

  @Test
  void aDynamicRangeWhoseWriterRecordedTheStatisticsSkipsTheStatisticsPass() {
    Route weights = new Route(Route.Feed.EXISTING_FLOATS, false, Route.WeightCopy.NONE);
    // 24 weights, 3 channels: with a pass, 4 x 24 + 3 x 16 read and recorded; by the optimizer, its
    // records (3 x 16); then the quantizing pass (floats, parameters, codes, statistics) either way
    long pass = 4 * 24 + 3 * 16;
    long quantizing = 4 * 24 + 3 * 16 + 24 + 3 * 16;
    assertThat(TrafficModel.bytes(24, 8, 3, true, weights)).isEqualTo(pass + quantizing);
    assertThat(TrafficModel.bytes(24, 8, 3, true, true, weights, 0)).isEqualTo(3 * 16 + quantizing);
    TrafficTotals t = TrafficModel.quantization(24, 8, 3, true, true, 0, weights, 0);
    assertThat(t.bytesMoved()).isEqualTo(3 * 16 + quantizing);
    assertThat(t.bytesMovedIfDynamic()).as("the dynamic alternative is this quantization").isEqualTo(t.bytesMoved());
    assertThat(t.bytesMovedIfStatic()).isEqualTo(TrafficModel.bytes(24, 8, 3, false, weights));
  }

  @Test
  void subByteTensorsArePackedAndStatisticsCostSixteenBytesPerChannel() {
    assertThat(TrafficModel.lowBitBytes(1001, 4)).isEqualTo(501);
    assertThat(TrafficModel.lowBitBytes(3, 2)).isEqualTo(1);
    assertThat(TrafficModel.lowBitBytes(10, 16)).isEqualTo(20);
    assertThat(TrafficModel.statsBytes(16)).isEqualTo(256);
    assertThat(TrafficModel.staticBytes(1024, 4, 16)).isEqualTo(512 + 256);
  }

  @Test
  void searchReadsAreChargedToDynamicQuantizationsOnly() {
    assertThat(TrafficModel.quantization(100, 8, 1, true, 800).bytesMoved()).isEqualTo(1332 + 800);
    assertThat(TrafficModel.quantization(100, 8, 1, true, 800).bytesMovedIfDynamic()).isEqualTo(1332);
  }

  @Test
  void meterAggregatesPerStepEpochAndRun() {
    TrafficMeter m = new TrafficMeter();
    TrafficTotals s = TrafficModel.quantization(1000, 8, 1, false, 0);
    TrafficTotals d = TrafficModel.quantization(500, 8, 1, true, 0);
    m.record(s);
    m.record(d);
    assertThat(m.step().bytesMoved()).isEqualTo(1016 + 6532);
    assertThat(m.step().quantizations()).isEqualTo(2);
    assertThat(m.step().peakFullPrecisionBytes()).isEqualTo(2000); // the largest buffer, not the sum
    m.beginStep();
    m.record(s);
    assertThat(m.step().bytesMoved()).isEqualTo(1016);
    assertThat(m.epoch().bytesMoved()).isEqualTo(2 * 1016 + 6532);
    m.beginEpoch();
    assertThat(m.epoch()).isEqualTo(TrafficTotals.ZERO);
    assertThat(m.run().bytesMoved()).isEqualTo(2 * 1016 + 6532);
    assertThat(m.run().bytesMovedIfDynamic()).isEqualTo(2 * 13_032 + 6532);
    assertThat(m.run().elements()).isEqualTo(2500);

    TrafficMeter resumed = new TrafficMeter();
    resumed.restore(m.run());
    assertThat(resumed.run()).isEqualTo(m.run());
    assertThat(resumed.step()).isEqualTo(TrafficTotals.ZERO);
  }
}

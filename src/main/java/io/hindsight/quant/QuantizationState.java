package io.hindsight.quant;

import io.hindsight.quant.traffic.TrafficTotals;
import java.util.Map;

/**
 * The checkpointed state of a {@link QuantizationPlan} (Jackson-serializable).
 *
 * @param step the last step passed to {@link QuantizationPlan#beginStep}
 * @param quantizers every quantizer's state by name
 * @param runTraffic the plan's run traffic totals
 */
public record QuantizationState(long step, Map<String, QuantizerState> quantizers, TrafficTotals runTraffic) {}

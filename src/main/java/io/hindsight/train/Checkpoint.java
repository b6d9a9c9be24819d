package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped: the spec it belongs to, the
 * position (epoch, batch within the epoch, global step), the runtime RNG state (dropout and
 * augmentation), the metrics of finished epochs and the accumulators of the current one, and the
 * tensors (parameters, BatchNorm buffers, momentum buffers) by name. {@code extensions} carries
 * other components' state (e.g. quantization range estimators) as JSON.
 */
public record Checkpoint(
    String specJson,
    int epoch,
    int batchInEpoch,
    long globalStep,
    long[] rngState,
    List<EpochMetrics> finishedEpochs,
    EpochAccumulator current,
    Map<String, Tensor> tensors,
    Map<String, JsonNode> extensions) {

  /** Running sums of the epoch in progress. */
  public record EpochAccumulator(
      double lossSum, long correct, long seen, double seconds, int skippedSteps, int consecutiveNonFinite) {
    public static final EpochAccumulator EMPTY = new EpochAccumulator(0, 0, 0, 0, 0, 0);
  }
}

package io.hindsight.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a finished run, written as {@code result.json}.
 *
 * @param testAccuracy final test accuracy as a fraction in [0, 1]
 * @param epochs per-epoch metrics
 * @param plugins extra sections by plugin name (e.g. {@code quantization})
 * @param device the run's device activity on a CUDA backend ({@code cuda}, {@code cuda-sim}); absent otherwise
 */
public record TrainingResult(
    double testAccuracy,
    double testLoss,
    double trainLoss,
    List<EpochMetrics> epochs,
    long steps,
    int skippedSteps,
    double totalSeconds,
    Map<String, JsonNode> plugins,
    Provenance provenance,
    @JsonInclude(JsonInclude.Include.NON_NULL) DeviceReport device) {

  /** This result with {@code device} set. */
  public TrainingResult withDevice(DeviceReport device) {
    return new TrainingResult(testAccuracy, testLoss, trainLoss, epochs, steps, skippedSteps, totalSeconds, plugins,
        provenance, device);
  }
}

package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a finished run, written as {@code result.json}.
 *
 * @param testAccuracy final test accuracy as a fraction in [0, 1]
 * @param epochs per-epoch metrics
 * @param plugins extra sections by plugin name (e.g. {@code quantization})
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
    Provenance provenance) {}

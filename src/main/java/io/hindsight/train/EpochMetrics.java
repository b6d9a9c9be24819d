package io.hindsight.train;

/** One finished epoch as reported in {@code result.json} and to listeners. */
public record EpochMetrics(
    int epoch,
    double trainLoss,
    double trainAccuracy,
    double testLoss,
    double testAccuracy,
    double seconds,
    double samplesPerSecond,
    double learningRate,
    int skippedSteps) {}

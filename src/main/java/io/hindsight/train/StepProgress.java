package io.hindsight.train;

/** Progress after one training step, for progress bars, SSE streams and metrics. */
public record StepProgress(
    int epoch, int epochs, int step, int stepsPerEpoch, long globalStep, double loss, double samplesPerSecond,
    double learningRate, double stepSeconds, int batchSize) {}

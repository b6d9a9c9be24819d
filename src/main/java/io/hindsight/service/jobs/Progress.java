package io.hindsight.service.jobs;

import java.time.Instant;

/**
 * Training progress of a running job, as persisted by its worker (throttled) and shown in
 * {@code GET /jobs/{id}} and {@code progress} events. Epochs and steps count from 1.
 */
public record Progress(
    int epoch, int epochs, int step, int stepsPerEpoch, long globalStep, long totalSteps, double loss,
    double samplesPerSecond, double learningRate, Instant at) {}

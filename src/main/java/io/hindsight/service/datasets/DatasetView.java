package io.hindsight.service.datasets;

import java.time.Instant;

/**
 * An uploaded dataset: train it with {@code "dataset": {"name": "upload:<id>"}}. Images are
 * {@code height × width} grey-scale, labels 0–9.
 */
public record DatasetView(String id, String name, String specName, int trainExamples, int testExamples, int height,
    int width, long bytes, Instant createdAt) {}

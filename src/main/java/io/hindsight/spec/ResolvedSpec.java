package io.hindsight.spec;

/**
 * A validated job spec with every default filled in: what a run actually used, recorded in
 * {@code result.json}'s provenance.
 */
public record ResolvedSpec(
    ModelSpec model,
    DatasetSpec dataset,
    TrainingSpec training,
    String backend,
    String engine,
    CheckpointSpec checkpoint) {}

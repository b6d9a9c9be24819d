package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Where a result came from (Tribuo-style): the resolved spec, seed, engine, backend and device,
 * thread count, software versions, the git commit of the build, the data used, whether the run
 * resumed from a checkpoint, and the self-checks its engine ran (none for our engine; the DJL
 * baseline checks libtorch).
 */
public record Provenance(
    JsonNode spec,
    long seed,
    String engine,
    String backend,
    String device,
    int threads,
    Map<String, String> versions,
    String gitCommit,
    Map<String, Object> dataset,
    long parameters,
    String startedAt,
    long resumedFromStep,
    List<SelfCheck> selfChecks) {}

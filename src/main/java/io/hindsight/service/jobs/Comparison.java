package io.hindsight.service.jobs;

import java.util.List;

/**
 * The runs comparing estimators on one job's spec: per variant ({@code fp32} or an estimator) its
 * job, status and, once it succeeded, test accuracy, the difference to the FP32 run, and memory
 * traffic (bytes moved, and bytes a dynamic scheme would have moved).
 */
public record Comparison(String of, List<Row> rows) {
  /** One variant. */
  public record Row(String variant, String jobId, JobStatus status, Double testAccuracy, Double deltaToFp32,
      Long bytesMoved, Long bytesMovedIfDynamic) {}
}

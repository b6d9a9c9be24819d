package io.hindsight.service.jobs;

import java.util.List;

/**
 * {@code POST /jobs/{id}/compare}: run the job's spec once per range estimator (applied to
 * activations and gradients; {@code dsgc} to gradients only), plus once in FP32 unless
 * {@code fp32} is false.
 */
public record CompareRequest(List<String> estimators, Boolean fp32) {}

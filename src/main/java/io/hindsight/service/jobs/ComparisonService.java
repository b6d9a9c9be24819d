package io.hindsight.service.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.metrics.JobMetrics;
import io.hindsight.service.quota.Quotas;
import io.hindsight.service.security.Caller;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.QuantizationOverrides;
import io.hindsight.spec.SpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Estimator comparisons: from a job's submitted spec, one job per estimator (and one in FP32),
 * all queued in one transaction and linked to the original job; the comparison table is read
 * from their results. The spec changes match {@code hindsight compare}. The runs belong to the key
 * that started the comparison (and count against its active-jobs quota); a key sees a comparison of
 * a job it sees, with the runs it sees.
 */
@Service
public class ComparisonService {
  static final int MAX_VARIANTS = 12;
  private static final ObjectMapper STRICT = JobSpecs.strictMapper();
  private final JobService jobs;
  private final JobRepository repository;
  private final SpecPreparer preparer;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final JobMetrics metrics;
  private final ObjectMapper json;
  private final Quotas quotas;

  public ComparisonService(JobService jobs, JobRepository repository, SpecPreparer preparer, JdbcClient jdbc,
      TransactionTemplate tx, JobMetrics metrics, ObjectMapper json, Quotas quotas) {
    this.jobs = jobs;
    this.repository = repository;
    this.preparer = preparer;
    this.jdbc = jdbc;
    this.tx = tx;
    this.metrics = metrics;
    this.json = json;
    this.quotas = quotas;
  }

  public Comparison start(String id, byte[] body, Caller caller) {
    jobs.requireVisible(id, caller);
    CompareRequest req = parse(body);
    String submitted = jdbc.sql("SELECT spec FROM jobs WHERE id = ?").param(id).query(String.class).single();
    ObjectNode base;
    try {
      base = (ObjectNode) json.readTree(submitted);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> labels = new ArrayList<>();
    List<SpecPreparer.Prepared> prepared = new ArrayList<>();
    if (req.fp32() == null || req.fp32()) {
      ObjectNode fp32 = base.deepCopy();
      fp32.remove("quantization");
      labels.add("fp32");
      prepared.add(preparer.prepare(fp32.toString().getBytes(StandardCharsets.UTF_8), caller));
    }
    for (int i = 0; i < req.estimators().size(); i++) {
      String est = req.estimators().get(i);
      ObjectNode s = base.deepCopy();
      QuantizationOverrides.applyEstimator(QuantizationOverrides.ensureQuantization(s), est);
      try {
        prepared.add(preparer.prepare(s.toString().getBytes(StandardCharsets.UTF_8), caller));
      } catch (SpecException e) {
        throw ApiException.badRequest("estimators[" + i + "]", "'" + est + "': " + e.getMessage());
      }
      labels.add(est);
    }
    tx.executeWithoutResult(status -> {
      quotas.requireJobSlots(caller, prepared.size());
      for (int i = 0; i < prepared.size(); i++) {
        SpecPreparer.Prepared p = prepared.get(i);
        String jobId = io.hindsight.service.api.Ids.newId();
        repository.insert(new JobRepository.NewJob(jobId, p.submittedJson(), p.engineSpecJson(),
            p.engineSpec().backend(), caller.keyId()), caller.name());
        jdbc.sql("UPDATE jobs SET comparison_of = ?, variant = ? WHERE id = ?").params(id, labels.get(i), jobId)
            .update();
      }
    });
    prepared.forEach(p -> metrics.submitted(p.engineSpec().backend()));
    return table(id, caller);
  }

  /** The comparison table of job {@code id} with the runs {@code caller} sees; 404 if there are none. */
  public Comparison get(String id, Caller caller) {
    jobs.requireVisible(id, caller);
    Comparison c = table(id, caller);
    if (c.rows().isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "No comparison", "no comparison of job " + id
          + " was started (POST /api/v1/jobs/" + id + "/compare)", null);
    }
    return c;
  }

  private Comparison table(String id, Caller caller) {
    record Raw(String variant, String jobId, JobStatus status, String result) {}
    List<Object> params = new ArrayList<>(List.of(id));
    params.addAll(caller.ownerParams());
    List<Raw> raws = jdbc.sql("SELECT variant, id, status, result FROM jobs WHERE comparison_of = ?"
            + caller.ownedRows("owner_key") + " ORDER BY seq")
        .params(params).query((rs, i) -> new Raw(rs.getString(1), rs.getString(2), JobStatus.valueOf(rs.getString(3)),
            rs.getString(4))).list();
    Double fp32 = null;
    List<JsonNode> results = new ArrayList<>();
    for (Raw r : raws) {
      JsonNode n = read(r.result());
      results.add(n);
      if ("fp32".equals(r.variant()) && n != null) {
        fp32 = n.path("testAccuracy").asDouble();
      }
    }
    List<Comparison.Row> rows = new ArrayList<>();
    for (int i = 0; i < raws.size(); i++) {
      Raw r = raws.get(i);
      JsonNode n = results.get(i);
      Double acc = n == null ? null : n.path("testAccuracy").asDouble();
      JsonNode traffic = n == null ? null : n.path("plugins").path("quantization").path("traffic").path("run");
      rows.add(new Comparison.Row(r.variant(), r.jobId(), r.status(), acc,
          acc == null || fp32 == null ? null : acc - fp32,
          traffic == null || !traffic.has("bytesMoved") ? null : traffic.path("bytesMoved").asLong(),
          traffic == null || !traffic.has("bytesMovedIfDynamic") ? null : traffic.path("bytesMovedIfDynamic").asLong()));
    }
    return new Comparison(id, rows);
  }

  private JsonNode read(String text) {
    try {
      return text == null ? null : json.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  private static CompareRequest parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw ApiException.badRequest("estimators", "expected {\"estimators\": [\"hindsight-minmax\", ...]}");
    }
    CompareRequest req;
    try {
      req = STRICT.readValue(SpecPreparer.utf8(body), CompareRequest.class);
    } catch (SpecException e) {
      throw e;
    } catch (IOException e) {
      String field = e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
          && m.getPath().get(0).getFieldName() != null ? m.getPath().get(0).getFieldName() : null;
      throw ApiException.badRequest(field, "expected {\"estimators\": [...], \"fp32\": true|false}");
    }
    if (req == null || req.estimators() == null || req.estimators().isEmpty()) {
      throw ApiException.badRequest("estimators", "name at least one estimator");
    }
    Set<String> unique = new LinkedHashSet<>(req.estimators());
    if (unique.size() != req.estimators().size() || unique.contains(null) || unique.size() > MAX_VARIANTS - 1) {
      throw ApiException.badRequest("estimators", "1-" + (MAX_VARIANTS - 1) + " distinct estimator names");
    }
    for (int i = 0; i < req.estimators().size(); i++) {
      String e = req.estimators().get(i);
      if (e.isBlank() || e.length() > 40 || "fp32".equals(e)) {
        throw ApiException.badRequest("estimators[" + i + "]", "'" + e + "' is not an estimator name");
      }
      if ("fixed".equals(e)) {
        throw ApiException.badRequest("estimators[" + i + "]", "'fixed' needs explicit ranges; set them in the"
            + " job's quantization block instead");
      }
    }
    return req;
  }
}

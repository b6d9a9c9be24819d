package io.hindsight.service.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.backend.Backends;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.datasets.DatasetStore;
import io.hindsight.service.datasets.DatasetView;
import io.hindsight.service.security.Caller;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.spec.SpecException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Turns an HTTP job submission into the spec the engine runs, without parsing specs itself: the
 * body must be UTF-8 JSON; {@code dataset.path} is refused (a client never names a server path);
 * {@code dataset.name: "upload:<id>"} becomes the folder of that uploaded dataset, if the submitting
 * key may see it; the service's default
 * checkpoint interval is filled in; then {@link JobSpecs} parses and validates it all, and this
 * server's limits (epochs, width, batch, dataset size) are checked.
 */
@Component
public class SpecPreparer {
  private static final ObjectMapper STRICT = JobSpecs.strictMapper();
  private final DatasetStore datasets;
  private final HindsightProperties props;

  public SpecPreparer(DatasetStore datasets, HindsightProperties props) {
    this.datasets = datasets;
    this.props = props;
  }

  /** The prepared job: what the user sent (normalized JSON) and what the engine runs. */
  public record Prepared(String submittedJson, ResolvedSpec engineSpec, String engineSpecJson) {}

  /** Prepares {@code body} as submitted by {@code caller} (whose uploaded datasets it may name). */
  public Prepared prepare(byte[] body, Caller caller) {
    String text = utf8(body);
    JsonNode tree;
    try {
      tree = STRICT.readTree(text);
    } catch (Exception e) {
      JobSpecs.parse(text); // throws the engine's message for malformed JSON
      throw new SpecException("", "malformed JSON");
    }
    if (!(tree instanceof ObjectNode root)) {
      throw new SpecException("", "the job spec must be a JSON object");
    }
    String submitted = root.toString();
    ObjectNode engine = root.deepCopy();
    Integer uploadedTrain = null;
    Integer uploadedTest = null;
    if (engine.get("dataset") instanceof ObjectNode ds) {
      if (ds.has("path")) {
        throw new SpecException("dataset.path", "server paths are not accepted over HTTP; upload the data with"
            + " POST /api/v1/datasets and use \"dataset\": {\"name\": \"upload:<id>\"}");
      }
      JsonNode name = ds.get("name");
      if (name != null && name.isTextual() && name.asText().startsWith(DatasetStore.PREFIX)) {
        String id = name.asText().substring(DatasetStore.PREFIX.length());
        ds.put("path", datasets.folderOf(id, caller).toString());
        ds.put("name", "mnist");
        DatasetView v = datasets.find(id, caller).orElseThrow();
        uploadedTrain = v.trainExamples();
        uploadedTest = v.testExamples();
      }
    }
    if (!(engine.get("checkpoint") instanceof ObjectNode ck && ck.has("everySteps"))
        && (engine.get("checkpoint") == null || engine.get("checkpoint").isObject())) {
      ObjectNode ck = engine.get("checkpoint") instanceof ObjectNode o ? o : engine.putObject("checkpoint");
      ck.put("everySteps", props.getWorker().getCheckpointEverySteps());
    }
    ResolvedSpec spec = JobSpecs.resolve(JobSpecs.parse(engine.toString()));
    checkLimits(spec, uploadedTrain, uploadedTest);
    if ("cuda".equals(spec.backend()) && Backends.cudaUnavailableReason() != null) {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "Backend unavailable",
          "backend 'cuda' is not available on this server: " + Backends.cudaUnavailableReason()
              + "; use \"auto\" or \"cpu\"", "backend");
    }
    return new Prepared(submitted, spec, JobSpecs.toJson(spec));
  }

  private void checkLimits(ResolvedSpec s, Integer uploadedTrain, Integer uploadedTest) {
    HindsightProperties.Limits l = props.getLimits();
    if (s.training().epochs() > l.getMaxEpochs()) {
      limit("training.epochs", "at most " + l.getMaxEpochs() + " epochs per job on this server, got "
          + s.training().epochs());
    }
    if (s.model().width() > l.getMaxWidth()) {
      limit("model.width", "at most " + l.getMaxWidth() + " on this server, got " + s.model().width());
    }
    if (s.training().batchSize() > l.getMaxBatchSize()) {
      limit("training.batchSize", "at most " + l.getMaxBatchSize() + " on this server, got "
          + s.training().batchSize());
    }
    int fullTrain = uploadedTrain != null ? uploadedTrain : 60_000;
    int fullTest = uploadedTest != null ? uploadedTest : 10_000;
    int train = s.dataset().trainLimit() != null ? Math.min(s.dataset().trainLimit(), fullTrain) : fullTrain;
    int test = s.dataset().testLimit() != null ? Math.min(s.dataset().testLimit(), fullTest) : fullTest;
    if (train > l.getMaxTrainExamples()) {
      limit("dataset.trainLimit", "at most " + l.getMaxTrainExamples() + " training examples per job on this server,"
          + " got " + train);
    }
    if (test > l.getMaxTestExamples()) {
      limit("dataset.testLimit", "at most " + l.getMaxTestExamples() + " test examples per job on this server, got "
          + test);
    }
  }

  private static void limit(String field, String detail) {
    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "Job exceeds server limits", detail, field);
  }

  static String utf8(byte[] body) {
    if (body == null || body.length == 0) {
      throw new SpecException("", "the request body is empty; expected a job spec (JSON object)");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw new SpecException("", "the request body is not valid UTF-8");
    }
  }
}

package io.hindsight.service.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.onnx.OnnxExportException;
import io.hindsight.onnx.OnnxModels;
import io.hindsight.quant.RangesCsv;
import io.hindsight.report.RangeChart;
import io.hindsight.report.SvgChart;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.jobs.JobRepository;
import io.hindsight.service.jobs.JobService;
import io.hindsight.service.jobs.JobStatus;
import io.hindsight.service.queue.CheckpointStore;
import io.hindsight.service.security.Caller;
import io.hindsight.train.Checkpoint;
import io.hindsight.train.CheckpointIo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * A finished job's artifacts: the trained model ({@link ModelArchive}; as ONNX, {@link OnnxModels}),
 * the quantization section of its result, and the per-step quantization ranges ({@code ranges.csv}) as JSON, CSV or SVG.
 */
@RestController
@RequestMapping("/api/v1/jobs")
@Tag(name = "artifacts", description = "Trained models and quantization ranges")
public class ArtifactController {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JobService jobs;
  private final JobRepository repository;
  private final CheckpointStore checkpoints;
  private final HindsightProperties props;

  public ArtifactController(JobService jobs, JobRepository repository, CheckpointStore checkpoints,
      HindsightProperties props) {
    this.jobs = jobs;
    this.repository = repository;
    this.checkpoints = checkpoints;
    this.props = props;
  }

  @GetMapping(path = "/{id}/artifacts/model", produces = "application/zip")
  @Operation(operationId = "getModelArtifact", summary = "Download the trained model",
      description = "A zip (format hindsight-model/1): manifest.json (spec, tensor directory, quantization"
          + " parameters), tensors/NNNN.bin (raw float32, little-endian) and model.onnx (as from"
          + " /artifacts/onnx, unless the model has no ONNX form). 409 unless the job SUCCEEDED.",
      responses = @ApiResponse(responseCode = "200", description = "The model archive",
          content = @Content(mediaType = "application/zip",
              schema = @io.swagger.v3.oas.annotations.media.Schema(type = "string", format = "binary"))))
  public ResponseEntity<StreamingResponseBody> model(@PathVariable String id, HttpServletRequest request)
      throws IOException {
    Checkpoint c = finishedModel(id, Caller.of(request));
    StreamingResponseBody body = out -> ModelArchive.write(id, c, out);
    return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/zip"))
        .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"model-" + id + ".zip\"").body(body);
  }

  @GetMapping(path = "/{id}/artifacts/onnx", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
  @Operation(operationId = "getOnnxArtifact", summary = "Download the trained model as ONNX",
      description = "An ONNX model (opset 13; docs/onnx.md): input images (N, 1, 28, 28) float32 = pixels / 255,"
          + " output logits (N, 10); FP32 jobs a float graph, quantized jobs QDQ (INT8 weights, QuantizeLinear/"
          + "DequantizeLinear with the final ranges). 409 unless the job SUCCEEDED, or when the model has no ONNX"
          + " form (e.g. an activation range taken from each batch); the problem's detail says why.",
      responses = @ApiResponse(responseCode = "200", description = "The ONNX model",
          content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
              schema = @io.swagger.v3.oas.annotations.media.Schema(type = "string", format = "binary"))))
  public ResponseEntity<byte[]> onnx(@PathVariable String id, HttpServletRequest request) throws IOException {
    Checkpoint c = finishedModel(id, Caller.of(request));
    byte[] onnx;
    try {
      onnx = OnnxModels.export(c, id);
    } catch (OnnxExportException e) {
      throw ApiException.conflict("the model of job " + id + " has no ONNX form: " + e.getMessage());
    }
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"model-" + id + ".onnx\"").body(onnx);
  }

  /**
   * The checkpoint of a job that SUCCEEDED: 404 for an unknown job or one {@code caller} may not see, 409
   * before success, 410 when it is gone.
   */
  private Checkpoint finishedModel(String id, Caller caller) throws IOException {
    JobStatus status = jobs.requireVisible(id, caller);
    if (status != JobStatus.SUCCEEDED) {
      throw ApiException.conflict("job " + id + " has no trained model (status " + status + ")");
    }
    Path file = checkpoints.latest(id).orElseThrow(() -> new ApiException(HttpStatus.GONE, "Artifact gone",
        "the model of job " + id + " is no longer in the checkpoint store", null));
    return CheckpointIo.read(file);
  }

  @GetMapping(path = "/{id}/quantizers", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getJobQuantizers", summary = "Quantization summary of a finished job",
      description = "The result's plugins.quantization section (per-quantizer ranges, clipped fraction,"
          + " non-finite events, memory traffic). 404 when the job ran without quantization.",
      responses = @ApiResponse(responseCode = "200", description = "plugins.quantization of result.json",
          content = @Content(mediaType = "application/json",
              schema = @io.swagger.v3.oas.annotations.media.Schema(type = "object"))))
  public ResponseEntity<String> quantizers(@PathVariable String id, HttpServletRequest request) throws IOException {
    jobs.requireVisible(id, Caller.of(request));
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
        .body(JSON.writeValueAsString(quantization(id)));
  }

  @GetMapping(path = "/{id}/ranges", produces = {MediaType.APPLICATION_JSON_VALUE, "text/csv", "image/svg+xml"})
  @Operation(operationId = "getJobRanges", summary = "Quantization ranges per step",
      description = "Rows of the run's ranges.csv, for one quantizer (required for SVG) or all. JSON by default;"
          + " CSV with Accept: text/csv or format=csv; an SVG chart with Accept: image/svg+xml or format=svg.",
      responses = @ApiResponse(responseCode = "200", description = "Ranges",
          content = {
              @Content(mediaType = "application/json",
                  schema = @io.swagger.v3.oas.annotations.media.Schema(type = "object")),
              @Content(mediaType = "text/csv", schema = @io.swagger.v3.oas.annotations.media.Schema(type = "string")),
              @Content(mediaType = "image/svg+xml",
                  schema = @io.swagger.v3.oas.annotations.media.Schema(type = "string"))}))
  public ResponseEntity<String> ranges(@PathVariable String id,
      @RequestParam(required = false) @Parameter(description = "quantizer name, <layer>/<kind>") String quantizer,
      @RequestParam(required = false) @Parameter(description = "json, csv or svg") String format,
      @RequestHeader(name = HttpHeaders.ACCEPT, required = false) @Parameter(hidden = true) String accept,
      HttpServletRequest request) throws IOException {
    jobs.requireVisible(id, Caller.of(request));
    String fmt = format != null ? format.toLowerCase(Locale.ROOT)
        : accept != null && accept.contains("image/svg+xml") ? "svg"
        : accept != null && accept.contains("text/csv") ? "csv" : "json";
    if (!List.of("json", "csv", "svg").contains(fmt)) {
      throw ApiException.badRequest("format", "must be json, csv or svg");
    }
    if (quantizer != null && (quantizer.isBlank() || quantizer.length() > 200)) {
      throw ApiException.badRequest("quantizer", "must be a quantizer name of 1-200 characters");
    }
    Path file = runDir(id).resolve("ranges.csv");
    if (!Files.isRegularFile(file)) {
      quantization(id); // 409 / 404 problems explain why there are no ranges
      throw new ApiException(HttpStatus.NOT_FOUND, "No quantization ranges",
          "job " + id + " recorded no ranges.csv", null);
    }
    List<RangesCsv.Row> rows = RangesCsv.read(file).stream()
        .filter(r -> quantizer == null || r.quantizer().equals(quantizer)).toList();
    if (quantizer != null && rows.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "Unknown quantizer",
          "job " + id + " has no quantizer named '" + SvgChart.esc(quantizer) + "'", "quantizer");
    }
    return switch (fmt) {
      case "svg" -> {
        if (quantizer == null) {
          throw ApiException.badRequest("quantizer", "an SVG chart needs one quantizer (?quantizer=<layer>/<kind>)");
        }
        yield ResponseEntity.ok().contentType(MediaType.parseMediaType("image/svg+xml"))
            .body(RangeChart.svg(quantizer + ": quantization range per step", rows));
      }
      case "csv" -> {
        yield ResponseEntity.ok().contentType(MediaType.parseMediaType("text/csv")).body(RangesCsv.format(rows));
      }
      default -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
          .body(JSON.writeValueAsString(Map.of("jobId", id, "rows", rows)));
    };
  }

  /** The quantization section of a job the caller was checked to see. */
  private JsonNode quantization(String id) throws IOException {
    String result = repository.result(id).orElseThrow(() -> ApiException.conflict(
        "job " + id + " has no result yet (status " + repository.status(id).orElseThrow() + ")"));
    JsonNode q = JSON.readTree(result).path("plugins").path("quantization");
    if (q.isMissingNode() || q.isNull()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "No quantization", "job " + id + " ran without quantization",
          null);
    }
    return q;
  }

  private Path runDir(String id) {
    return checkpoints.dir(id);
  }
}

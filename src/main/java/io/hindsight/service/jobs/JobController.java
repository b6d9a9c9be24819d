package io.hindsight.service.jobs;

import io.hindsight.service.api.ApiException;
import io.hindsight.service.security.Caller;
import io.hindsight.spec.JobSpec;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/jobs}: submit, list, inspect and cancel training jobs. */
@RestController
@RequestMapping("/api/v1/jobs")
@Tag(name = "jobs", description = "Training jobs")
public class JobController {
  private final JobService jobs;
  private final JobRepository repository;

  public JobController(JobService jobs, JobRepository repository) {
    this.jobs = jobs;
    this.repository = repository;
  }

  @PostMapping(consumes = MediaType.ALL_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "submitJob", summary = "Submit a job",
      description = "The body is the job spec, exactly what `hindsight train --spec` accepts, except that"
          + " `dataset.path` is refused: train on uploaded data with `dataset.name: \"upload:<dataset id>\"`."
          + " With `Idempotency-Key`, a retry with the same body replays the original response.",
      requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
          content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobSpec.class))),
      responses = {
          @ApiResponse(responseCode = "201", description = "Queued",
              content = @Content(schema = @Schema(implementation = JobView.class))),
          @ApiResponse(responseCode = "400", description = "Invalid spec (problem+json naming the field)",
              content = @Content(mediaType = "application/problem+json",
                  schema = @Schema(ref = "#/components/schemas/Problem"))),
          @ApiResponse(responseCode = "409", description = "Same Idempotency-Key still in flight",
              content = @Content(mediaType = "application/problem+json",
                  schema = @Schema(ref = "#/components/schemas/Problem"))),
          @ApiResponse(responseCode = "413", description = "Body too large",
              content = @Content(mediaType = "application/problem+json",
                  schema = @Schema(ref = "#/components/schemas/Problem"))),
          @ApiResponse(responseCode = "422", description = "Over a server limit, or Idempotency-Key reused with"
              + " another body", content = @Content(mediaType = "application/problem+json",
                  schema = @Schema(ref = "#/components/schemas/Problem")))})
  public ResponseEntity<String> submit(@RequestBody(required = false) @Parameter(hidden = true) byte[] body,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey, HttpServletRequest request) {
    JobService.Submission s = jobs.submit(body, Caller.of(request), idempotencyKey);
    return ResponseEntity.status(s.status()).location(URI.create(s.location()))
        .contentType(MediaType.APPLICATION_JSON).body(s.body());
  }

  @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "listJobs", summary = "List jobs", description = "Newest first. Continue with `pageToken` = `nextPageToken`.")
  public JobPage list(
      @RequestParam(required = false) @Parameter(description = "QUEUED, RUNNING, CANCELLING, CANCELLED,"
          + " SUCCEEDED or FAILED") String status,
      @RequestParam(required = false) @Parameter(description = "1-100 (default 20)") Integer pageSize,
      @RequestParam(required = false) @Parameter(description = "opaque token from nextPageToken") String pageToken,
      HttpServletRequest request) {
    return jobs.list(status, pageSize, pageToken, Caller.of(request));
  }

  @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getJob", summary = "Get a job", description = "Status, history, attempt, progress, latest metrics, failure.")
  public JobView get(@PathVariable String id, HttpServletRequest request) {
    return jobs.get(id, Caller.of(request));
  }

  @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "cancelJob", summary = "Cancel a job",
      description = "A queued job is cancelled at once; a running one stops at its next step (CANCELLING, then"
          + " CANCELLED) keeping its last checkpoint. 409 if it already succeeded or failed.",
      responses = {
          @ApiResponse(responseCode = "200", description = "Cancelled",
              content = @Content(schema = @Schema(implementation = JobView.class))),
          @ApiResponse(responseCode = "202", description = "Cancelling: stops at the next step",
              content = @Content(schema = @Schema(implementation = JobView.class))),
          @ApiResponse(responseCode = "409", description = "Already succeeded or failed",
              content = @Content(mediaType = "application/problem+json",
                  schema = @Schema(ref = "#/components/schemas/Problem")))})
  public ResponseEntity<JobView> cancel(@PathVariable String id, HttpServletRequest request) {
    JobView v = jobs.cancel(id, Caller.of(request));
    return ResponseEntity.status(v.status() == JobStatus.CANCELLED ? HttpStatus.OK : HttpStatus.ACCEPTED).body(v);
  }

  @GetMapping(path = "/{id}/metrics", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getJobMetrics", summary = "Per-epoch metrics of a job")
  public EpochHistory metrics(@PathVariable String id, HttpServletRequest request) {
    JobStatus status = jobs.requireVisible(id, Caller.of(request));
    return new EpochHistory(id, status, repository.epochs(id));
  }

  @GetMapping(path = "/{id}/result", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getJobResult", summary = "The result.json of a succeeded job",
      description = "409 until the job has SUCCEEDED.",
      responses = @ApiResponse(responseCode = "200", description = "result.json (see docs/outputs.md)",
          content = @Content(schema = @Schema(type = "object"))))
  public ResponseEntity<String> result(@PathVariable String id, HttpServletRequest request) {
    jobs.requireVisible(id, Caller.of(request));
    String r = repository.result(id).orElseThrow(() -> ApiException.conflict(
        "job " + id + " has no result (status " + repository.status(id).orElseThrow() + ")"));
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(r);
  }
}

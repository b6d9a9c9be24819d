package io.hindsight.service.jobs;

import io.hindsight.service.security.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/jobs/{id}/compare}: the same spec in FP32 and once per range estimator, as a table. */
@RestController
@RequestMapping("/api/v1/jobs")
@Tag(name = "jobs")
public class ComparisonController {
  private final ComparisonService comparisons;

  public ComparisonController(ComparisonService comparisons) {
    this.comparisons = comparisons;
  }

  @PostMapping(path = "/{id}/compare", consumes = MediaType.ALL_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "compareEstimators", summary = "Compare range estimators on a job's spec",
      description = "Queues the job's spec once in FP32 (unless fp32 is false) and once per estimator (applied to"
          + " activations and gradients; dsgc to gradients only), with the same seed, data and schedule.",
      requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
          content = @Content(mediaType = "application/json", schema = @Schema(implementation = CompareRequest.class))),
      responses = @ApiResponse(responseCode = "201", description = "Queued",
          content = @Content(schema = @Schema(implementation = Comparison.class))))
  public ResponseEntity<Comparison> start(@PathVariable String id,
      @RequestBody(required = false) @Parameter(hidden = true) byte[] body, HttpServletRequest request) {
    Comparison c = comparisons.start(id, body, Caller.of(request));
    return ResponseEntity.created(URI.create("/api/v1/jobs/" + id + "/compare")).body(c);
  }

  @GetMapping(path = "/{id}/compare", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getComparison", summary = "The comparison table",
      description = "Per variant: job, status, test accuracy, difference to FP32, bytes moved and bytes a dynamic"
          + " scheme would have moved (filled in as the runs finish).")
  public Comparison get(@PathVariable String id, HttpServletRequest request) {
    return comparisons.get(id, Caller.of(request));
  }
}

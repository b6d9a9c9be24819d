package io.hindsight.service.security;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.service.api.ApiException;
import io.hindsight.spec.JobSpecs;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/admin/keys}: create, list and revoke API keys (admin keys only; 403 for others). */
@RestController
@RequestMapping("/api/v1/admin/keys")
@Tag(name = "admin", description = "API keys (admin keys only)")
public class AdminKeyController {
  private static final ObjectMapper STRICT = JobSpecs.strictMapper();
  private final ApiKeys keys;

  public AdminKeyController(ApiKeys keys) {
    this.keys = keys;
  }

  /** The body of {@code POST /api/v1/admin/keys}. */
  @Schema(description = "A key to create: its unique name (1-64 letters, digits, '.', '_', '-') and whether it is an"
      + " admin key (sees and acts on every key's jobs, comparisons and datasets, and manages keys)")
  public record NewKey(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "team-vision") String name,
      @Schema(defaultValue = "false") Boolean admin) {}

  @PostMapping(consumes = MediaType.ALL_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "createApiKey", summary = "Create an API key",
      description = "The answer holds the key in plain text: the only time it is shown (only its hash is stored).",
      requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
          content = @Content(mediaType = "application/json", schema = @Schema(implementation = NewKey.class))),
      responses = {
          @ApiResponse(responseCode = "201", description = "Created",
              content = @Content(schema = @Schema(implementation = ApiKeys.CreatedKey.class))),
          @ApiResponse(responseCode = "403", description = "Not an admin key", content = @Content(
              mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem"))),
          @ApiResponse(responseCode = "409", description = "A key with this name exists (or existed)", content =
              @Content(mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem")))})
  public ResponseEntity<ApiKeys.CreatedKey> create(@RequestBody(required = false) @Parameter(hidden = true) byte[] body,
      HttpServletRequest request) {
    Caller.of(request).requireAdmin();
    NewKey k0 = parse(body);
    ApiKeys.CreatedKey k = keys.create(k0.name(), Boolean.TRUE.equals(k0.admin()));
    return ResponseEntity.created(URI.create("/api/v1/admin/keys/" + k.id())).body(k);
  }

  /** The request body, strictly: 400 naming the field for anything but {@code {"name": "...", "admin": bool}}. */
  private static NewKey parse(byte[] body) {
    NewKey k;
    try {
      k = body == null || body.length == 0 ? null : STRICT.readValue(body, NewKey.class);
    } catch (IOException e) {
      String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
          && m.getPath().get(0).getFieldName() != null ? m.getPath().get(0).getFieldName() : null;
      throw ApiException.badRequest(field, "expected {\"name\": \"<key name>\", \"admin\": true|false}");
    }
    if (k == null || k.name() == null) {
      throw ApiException.badRequest("name", "expected {\"name\": \"<key name>\", \"admin\": true|false}");
    }
    return k;
  }

  @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "listApiKeys", summary = "List API keys",
      description = "Every key, oldest first, revoked ones with revokedAt; never the keys themselves.",
      responses = {
          @ApiResponse(responseCode = "200", description = "The keys"),
          @ApiResponse(responseCode = "403", description = "Not an admin key", content = @Content(
              mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem")))})
  public List<ApiKeys.KeyView> list(HttpServletRequest request) {
    Caller.of(request).requireAdmin();
    return keys.list();
  }

  @DeleteMapping(path = "/{id}")
  @Operation(operationId = "revokeApiKey", summary = "Revoke an API key",
      description = "From the next request on, on every replica, the key is refused (401). Its name stays taken and"
          + " stays in job histories. Revoking a revoked key changes nothing.",
      responses = {
          @ApiResponse(responseCode = "204", description = "Revoked"),
          @ApiResponse(responseCode = "403", description = "Not an admin key", content = @Content(
              mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem"))),
          @ApiResponse(responseCode = "409", description = "The last valid admin key", content = @Content(
              mediaType = "application/problem+json", schema = @Schema(ref = "#/components/schemas/Problem")))})
  public ResponseEntity<Void> revoke(@PathVariable String id, HttpServletRequest request) {
    Caller.of(request).requireAdmin();
    keys.revoke(id);
    return ResponseEntity.noContent().build();
  }
}

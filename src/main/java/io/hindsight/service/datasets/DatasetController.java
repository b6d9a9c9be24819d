package io.hindsight.service.datasets;

import io.hindsight.service.api.ApiException;
import io.hindsight.service.api.Ids;
import io.hindsight.service.security.Caller;
import io.swagger.v3.oas.annotations.Operation;
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
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** {@code /api/v1/datasets}: upload IDX datasets (validated, size-limited), list and delete them. */
@RestController
@RequestMapping("/api/v1/datasets")
@Tag(name = "datasets", description = "Uploaded training data")
public class DatasetController {
  private final DatasetStore store;

  public DatasetController(DatasetStore store) {
    this.store = store;
  }

  @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "listDatasets", summary = "List uploaded datasets")
  public List<DatasetView> list(HttpServletRequest request) {
    return store.list(Caller.of(request));
  }

  @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getDataset", summary = "Get an uploaded dataset")
  public DatasetView get(@PathVariable String id, HttpServletRequest request) {
    return store.find(Ids.require(id, "id"), Caller.of(request)).orElseThrow(() -> ApiException.notFound("dataset",
        id));
  }

  @DeleteMapping(path = "/{id}")
  @Operation(operationId = "deleteDataset", summary = "Delete an uploaded dataset",
      description = "Removes its files and gives its bytes back to the key's storage quota. 409 while a queued or"
          + " running job trains on it.",
      responses = {
          @ApiResponse(responseCode = "204", description = "Deleted"),
          @ApiResponse(responseCode = "409", description = "A queued or running job uses it",
              content = @Content(mediaType = "application/problem+json",
                  schema = @Schema(ref = "#/components/schemas/Problem")))})
  public ResponseEntity<Void> delete(@PathVariable String id, HttpServletRequest request) throws IOException {
    store.delete(id, Caller.of(request));
    return ResponseEntity.noContent().build();
  }

  @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "uploadDataset", summary = "Upload a dataset",
      responses = @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "201", description = "Stored",
          content = @io.swagger.v3.oas.annotations.media.Content(schema = @io.swagger.v3.oas.annotations.media.Schema(
              implementation = DatasetView.class))),
      description = "Four IDX files (raw or gzip): train/test images (idx3, unsigned bytes) and labels (idx1, 0-9)."
          + " Train on it with dataset.name \"upload:<id>\".")
  public ResponseEntity<DatasetView> upload(@RequestParam(name = "name", required = false) String name,
      @RequestPart("trainImages") MultipartFile trainImages, @RequestPart("trainLabels") MultipartFile trainLabels,
      @RequestPart("testImages") MultipartFile testImages, @RequestPart("testLabels") MultipartFile testLabels,
      HttpServletRequest request) throws IOException {
    DatasetView v = store.store(name, trainImages, trainLabels, testImages, testLabels, Caller.of(request));
    return ResponseEntity.created(URI.create("/api/v1/datasets/" + v.id())).body(v);
  }
}

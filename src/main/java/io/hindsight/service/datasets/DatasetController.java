package io.hindsight.service.datasets;

import io.hindsight.service.api.ApiException;
import io.hindsight.service.api.Ids;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** {@code /api/v1/datasets}: upload IDX datasets (validated, size-limited) and list them. */
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
  public List<DatasetView> list() {
    return store.list();
  }

  @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(operationId = "getDataset", summary = "Get an uploaded dataset")
  public DatasetView get(@PathVariable String id) {
    return store.find(Ids.require(id, "id")).orElseThrow(() -> ApiException.notFound("dataset", id));
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
      @RequestPart("testImages") MultipartFile testImages, @RequestPart("testLabels") MultipartFile testLabels)
      throws IOException {
    DatasetView v = store.store(name, trainImages, trainLabels, testImages, testLabels);
    return ResponseEntity.created(URI.create("/api/v1/datasets/" + v.id())).body(v);
  }
}

package io.hindsight.service.datasets;

import io.hindsight.data.DatasetLoader;
import io.hindsight.data.IdxArray;
import io.hindsight.data.IdxReader;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.api.Ids;
import io.hindsight.service.config.HindsightProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.web.multipart.MultipartFile;

/**
 * Stores uploaded IDX datasets: each upload is validated with the engine's {@link IdxReader} and
 * {@link DatasetLoader#fromIdx} (magic numbers, sizes, truncation, label range, matching counts),
 * then written under {@code <datasetDir>/<id>/} with fixed file names (never a client-supplied
 * name, so nothing escapes the folder) and recorded in {@code datasets}.
 */
@Service
public class DatasetStore {
  /** The prefix of {@code dataset.name} that refers to an uploaded dataset. */
  public static final String PREFIX = "upload:";
  static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte"};
  private final JdbcClient jdbc;
  private final HindsightProperties props;

  public DatasetStore(JdbcClient jdbc, HindsightProperties props) {
    this.jdbc = jdbc;
    this.props = props;
  }

  /** Validates and stores one upload; 400 naming the bad part when it is not a usable dataset. */
  public DatasetView store(String name, MultipartFile trainImages, MultipartFile trainLabels, MultipartFile testImages,
      MultipartFile testLabels) throws IOException {
    String display = name == null || name.isBlank() ? "dataset" : name.strip();
    if (display.length() > 200 || display.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.badRequest("name", "must be at most 200 printable characters");
    }
    MultipartFile[] parts = {trainImages, trainLabels, testImages, testLabels};
    String[] partNames = {"trainImages", "trainLabels", "testImages", "testLabels"};
    IdxArray[] arrays = new IdxArray[4];
    long bytes = 0;
    for (int i = 0; i < 4; i++) {
      if (parts[i] == null || parts[i].isEmpty()) {
        throw ApiException.badRequest(partNames[i], "the part '" + partNames[i] + "' is required and must not be empty");
      }
      bytes += parts[i].getSize();
      try (InputStream in = parts[i].getInputStream()) {
        arrays[i] = IdxReader.read(in, partNames[i], i % 2 == 0 ? 3 : 1);
      } catch (IOException e) {
        throw ApiException.badRequest(partNames[i], "not a valid IDX file: " + e.getMessage());
      }
    }
    try {
      var norm = DatasetLoader.Normalization.of("mnist");
      DatasetLoader.fromIdx("train", arrays[0], arrays[1], norm, "train");
      DatasetLoader.fromIdx("test", arrays[2], arrays[3], norm, "test");
    } catch (IOException e) {
      throw ApiException.badRequest(e.getMessage().startsWith("test") ? "testLabels" : "trainLabels", e.getMessage());
    }
    int h = arrays[0].shape()[1];
    int w = arrays[0].shape()[2];
    if (arrays[2].shape()[1] != h || arrays[2].shape()[2] != w) {
      throw ApiException.badRequest("testImages", "test images are " + arrays[2].shape()[1] + "x"
          + arrays[2].shape()[2] + " but train images are " + h + "x" + w);
    }
    if (h < 8 || w < 8 || h > 64 || w > 64) {
      throw ApiException.badRequest("trainImages", "images must be between 8x8 and 64x64 pixels, got " + h + "x" + w);
    }
    String id = Ids.newId();
    Path root = props.getDatasetDir().toAbsolutePath().normalize();
    Files.createDirectories(root);
    Path tmp = Files.createTempDirectory(root, ".upload-");
    try {
      for (int i = 0; i < 4; i++) {
        try (InputStream in = parts[i].getInputStream()) {
          Files.copy(in, tmp.resolve(FILES[i] + (isGzip(parts[i]) ? ".gz" : "")));
        }
      }
      Files.move(tmp, root.resolve(id), StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteTree(tmp);
    }
    Instant now = Instant.now();
    jdbc.sql("INSERT INTO datasets (id, name, train_examples, test_examples, height, width, bytes, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .params(id, display, arrays[0].count(), arrays[2].count(), h, w, bytes, Timestamp.from(now)).update();
    return new DatasetView(id, display, PREFIX + id, arrays[0].count(), arrays[2].count(), h, w, bytes, now);
  }

  public List<DatasetView> list() {
    return jdbc.sql("SELECT * FROM datasets ORDER BY created_at DESC, id").query((rs, i) -> view(rs)).list();
  }

  public Optional<DatasetView> find(String id) {
    return jdbc.sql("SELECT * FROM datasets WHERE id = ?").param(id).query((rs, i) -> view(rs)).optional();
  }

  /** The folder holding dataset {@code id}'s files; 400 for a malformed id, 400 naming dataset.name if unknown. */
  public Path folderOf(String id) {
    if (!Ids.isValid(id)) {
      throw ApiException.badRequest("dataset.name", "'" + PREFIX + id + "' does not name an uploaded dataset"
          + " (expected upload:<dataset id>)");
    }
    if (find(id).isEmpty()) {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "Unknown dataset", "no uploaded dataset with id '" + id
          + "'", "dataset.name");
    }
    Path root = props.getDatasetDir().toAbsolutePath().normalize();
    Path dir = root.resolve(id).normalize();
    if (!dir.startsWith(root)) {
      throw ApiException.badRequest("dataset.name", "invalid dataset id");
    }
    return dir;
  }

  private static boolean isGzip(MultipartFile f) throws IOException {
    try (InputStream in = f.getInputStream()) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }

  private static DatasetView view(java.sql.ResultSet rs) throws java.sql.SQLException {
    String id = rs.getString("id");
    return new DatasetView(id, rs.getString("name"), PREFIX + id, rs.getInt("train_examples"),
        rs.getInt("test_examples"), rs.getInt("height"), rs.getInt("width"), rs.getLong("bytes"),
        rs.getTimestamp("created_at").toInstant());
  }
}

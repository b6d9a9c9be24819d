package io.hindsight.service.datasets;

import io.hindsight.data.DatasetLoader;
import io.hindsight.data.IdxArray;
import io.hindsight.data.IdxReader;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.api.Ids;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.quota.Quotas;
import io.hindsight.service.security.Caller;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

/**
 * Stores uploaded IDX datasets: each upload is validated with the engine's {@link IdxReader} and
 * {@link DatasetLoader#fromIdx} (magic numbers, sizes, truncation, label range, matching counts),
 * then written under {@code <datasetDir>/<id>/} with fixed file names (never a client-supplied
 * name, so nothing escapes the folder) and recorded in {@code datasets} with the key that uploaded
 * it. A key sees, uses and deletes its own uploads only (another key's is "not found", like an
 * unknown id); admin keys see all. Uploads count against the key's storage quota.
 */
@Service
public class DatasetStore {
  /** The prefix of {@code dataset.name} that refers to an uploaded dataset. */
  public static final String PREFIX = "upload:";
  static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte"};
  private final JdbcClient jdbc;
  private final HindsightProperties props;
  private final TransactionTemplate tx;
  private final Quotas quotas;

  public DatasetStore(JdbcClient jdbc, HindsightProperties props, TransactionTemplate tx, Quotas quotas) {
    this.jdbc = jdbc;
    this.props = props;
    this.tx = tx;
    this.quotas = quotas;
  }

  /**
   * Validates and stores one upload of {@code caller}; 400 naming the bad part when it is not a
   * usable dataset, 429 when it would pass the key's storage quota.
   */
  public DatasetView store(String name, MultipartFile trainImages, MultipartFile trainLabels, MultipartFile testImages,
      MultipartFile testLabels, Caller caller) throws IOException {
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
    }
    long uploaded = bytes;
    for (int i = 0; i < 4; i++) {
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
    tx.executeWithoutResult(s -> quotas.requireDatasetRoom(caller, uploaded)); // before writing anything
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
    try {
      tx.executeWithoutResult(s -> {
        quotas.requireDatasetRoom(caller, uploaded); // again, counting uploads that finished meanwhile
        jdbc.sql("INSERT INTO datasets (id, name, train_examples, test_examples, height, width, bytes, created_at,"
                + " owner_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .params(id, display, arrays[0].count(), arrays[2].count(), h, w, uploaded, Timestamp.from(now),
                caller.keyId()).update();
      });
    } catch (RuntimeException e) {
      deleteTree(root.resolve(id));
      throw e;
    }
    return new DatasetView(id, display, PREFIX + id, arrays[0].count(), arrays[2].count(), h, w, bytes, now);
  }

  /** The uploads {@code caller} sees, newest first. */
  public List<DatasetView> list(Caller caller) {
    return jdbc.sql("SELECT * FROM datasets WHERE 1 = 1" + caller.ownedRows("owner_key")
        + " ORDER BY created_at DESC, id").params(caller.ownerParams()).query((rs, i) -> view(rs)).list();
  }

  /** Upload {@code id} if {@code caller} may see it. */
  public Optional<DatasetView> find(String id, Caller caller) {
    List<Object> params = new ArrayList<>(List.of(id));
    params.addAll(caller.ownerParams());
    return jdbc.sql("SELECT * FROM datasets WHERE id = ?" + caller.ownedRows("owner_key")).params(params)
        .query((rs, i) -> view(rs)).optional();
  }

  /**
   * Deletes upload {@code id} of {@code caller} (files and record), giving its bytes back to the
   * key's quota; 404 if the caller does not see it, 409 while a queued or running job trains on it.
   */
  public void delete(String id, Caller caller) throws IOException {
    Ids.require(id, "id");
    if (find(id, caller).isEmpty()) {
      throw ApiException.notFound("dataset", id);
    }
    long users = jdbc.sql("SELECT COUNT(*) FROM jobs WHERE status IN ('QUEUED', 'RUNNING', 'CANCELLING')"
        + " AND spec LIKE ?").param("%\"" + PREFIX + id + "\"%").query(Long.class).single();
    if (users > 0) {
      throw ApiException.conflict("dataset " + id + " is used by " + users + " queued or running job(s); cancel"
          + " them or let them finish first");
    }
    jdbc.sql("DELETE FROM datasets WHERE id = ?").param(id).update();
    deleteTree(props.getDatasetDir().toAbsolutePath().normalize().resolve(id));
  }

  /**
   * The folder holding dataset {@code id}'s files; 400 for a malformed id, 422 naming dataset.name if
   * {@code caller} does not see it.
   */
  public Path folderOf(String id, Caller caller) {
    if (!Ids.isValid(id)) {
      throw ApiException.badRequest("dataset.name", "'" + PREFIX + id + "' does not name an uploaded dataset"
          + " (expected upload:<dataset id>)");
    }
    if (find(id, caller).isEmpty()) {
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

package io.hindsight.service.queue;

import io.hindsight.service.config.HindsightProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * The checkpoint store: a folder per job under {@code hindsight.checkpoint-dir} (shared by all
 * replicas) holding one checkpoint per attempt ({@code attempt-<n>.ckpt}) and the run's other
 * outputs (the quantization plugin's {@code ranges.csv} and {@code traffic.csv}, {@code result.json}). Attempts never write each other's
 * files, so a worker presumed dead that still writes cannot overwrite its successor's checkpoint;
 * a new attempt resumes from the newest attempt's file. Job ids are validated UUIDs, so paths
 * never leave the store.
 */
@Component
public class CheckpointStore {
  private static final Pattern NAME = Pattern.compile("attempt-(\\d+)\\.ckpt");
  private final HindsightProperties props;

  public CheckpointStore(HindsightProperties props) {
    this.props = props;
  }

  public Path fileFor(String jobId, int attempt) {
    return dir(jobId).resolve("attempt-" + attempt + ".ckpt");
  }

  /** The checkpoint of the newest attempt that wrote one, if any. */
  public Optional<Path> latest(String jobId) throws IOException {
    Path dir = dir(jobId);
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
          .max(Comparator.comparingInt(CheckpointStore::attemptOf));
    }
  }

  private static int attemptOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The job's folder. */
  public Path dir(String jobId) {
    Path root = props.getCheckpointDir().toAbsolutePath().normalize();
    Path dir = root.resolve(jobId).normalize();
    if (!dir.startsWith(root) || dir.equals(root)) {
      throw new IllegalArgumentException("invalid job id");
    }
    return dir;
  }
}

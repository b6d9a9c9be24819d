package io.hindsight.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes and reads {@code result.json}. Field names are part of the public interface (scripts
 * read {@code testAccuracy}, {@code epochs[].testAccuracy}, {@code provenance}...); change them
 * only compatibly.
 */
public final class ResultJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ResultJson() {}

  public static String toJson(TrainingResult r) throws IOException {
    return JSON.writeValueAsString(r);
  }

  public static void write(TrainingResult r, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, toJson(r));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static TrainingResult read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), TrainingResult.class);
  }
}

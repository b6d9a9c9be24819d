package io.hindsight.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Loads the MNIST-layout datasets ({@code fashion-mnist}, {@code mnist}) from a directory holding
 * {@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]}, and normalizes
 * pixels to {@code (x / 255 - mean) / std} with the dataset's published statistics.
 *
 * <p>Search order for the directory: the spec's explicit path, {@code $HINDSIGHT_DATA_DIR/<name>},
 * then {@code /usr/share/datasets/<name>} (Debian's {@code dataset-fashion-mnist} package).
 */
public final class DatasetLoader {
  /** Where Debian's dataset packages install. */
  public static final Path DEBIAN_DATASETS = Path.of("/usr/share/datasets");

  private DatasetLoader() {}

  /** Train and test splits of one dataset. */
  public record Splits(Dataset train, Dataset test) {}

  /** Normalization statistics of a dataset's training pixels in [0, 1]. */
  public record Normalization(float mean, float std) {
    public static Normalization of(String dataset) {
      return switch (dataset) {
        case "fashion-mnist" -> new Normalization(0.2860f, 0.3530f);
        case "mnist" -> new Normalization(0.1307f, 0.3081f);
        default -> new Normalization(0.5f, 0.5f);
      };
    }
  }

  /** Candidate directories for {@code name}, in search order. */
  public static List<Path> candidates(String name, String explicitPath) {
    List<Path> out = new ArrayList<>();
    if (explicitPath != null && !explicitPath.isBlank()) {
      out.add(Path.of(explicitPath));
      return out;
    }
    String env = System.getenv("HINDSIGHT_DATA_DIR");
    if (env != null && !env.isBlank()) {
      out.add(Path.of(env).resolve(name));
    }
    out.add(DEBIAN_DATASETS.resolve(name));
    return out;
  }

  /** The first candidate directory that holds {@code name}'s training images, if any. */
  public static Optional<Path> locate(String name, String explicitPath) {
    return candidates(name, explicitPath).stream()
        .filter(dir -> Files.isRegularFile(file(dir, "train-images-idx3-ubyte"))).findFirst();
  }

  /** Finds and loads {@code name}; the error lists where it looked and how to install it. */
  public static Splits load(String name, String explicitPath) throws IOException {
    Optional<Path> found = locate(name, explicitPath);
    if (found.isPresent()) {
      return loadFrom(found.get(), name);
    }
    List<Path> dirs = candidates(name, explicitPath);
    String hint = "fashion-mnist".equals(name)
        ? " Install it with `apt-get install dataset-fashion-mnist` (./hindsight train does this when run as root),"
            + " or set dataset.path / HINDSIGHT_DATA_DIR."
        : " Set dataset.path or HINDSIGHT_DATA_DIR to a directory with the four IDX files.";
    throw new IOException("dataset '" + name + "' not found; looked in " + dirs + "." + hint);
  }

  /** Loads the four IDX files from {@code dir}. */
  public static Splits loadFrom(Path dir, String name) throws IOException {
    Normalization norm = Normalization.of(name);
    Dataset train = load(name + "/train", file(dir, "train-images-idx3-ubyte"), file(dir, "train-labels-idx1-ubyte"), norm);
    Dataset test = load(name + "/test", file(dir, "t10k-images-idx3-ubyte"), file(dir, "t10k-labels-idx1-ubyte"), norm);
    if (train.height() != test.height() || train.width() != test.width()) {
      throw new IdxFormatException(dir + ": train and test images have different sizes");
    }
    return new Splits(train, test);
  }

  /** Loads one split from an images file and a labels file (10 classes). */
  public static Dataset load(String name, Path imagesFile, Path labelsFile, Normalization norm) throws IOException {
    IdxArray images = IdxReader.readImages(imagesFile);
    IdxArray labels = IdxReader.readLabels(labelsFile);
    return fromIdx(name, images, labels, norm, imagesFile + " / " + labelsFile);
  }

  /** Builds a dataset from parsed IDX arrays, checking that they agree. */
  public static Dataset fromIdx(String name, IdxArray images, IdxArray labels, Normalization norm, String source)
      throws IdxFormatException {
    if (images.count() != labels.count()) {
      throw new IdxFormatException(source + ": " + images.count() + " images but " + labels.count() + " labels");
    }
    int h = images.shape()[1];
    int w = images.shape()[2];
    byte[] px = images.values();
    float[] x = new float[px.length];
    float inv = 1f / (255f * norm.std());
    float shift = norm.mean() / norm.std();
    for (int i = 0; i < px.length; i++) {
      x[i] = (px[i] & 0xff) * inv - shift;
    }
    byte[] lb = labels.values();
    int[] y = new int[lb.length];
    for (int i = 0; i < lb.length; i++) {
      y[i] = lb[i] & 0xff;
      if (y[i] >= 10) {
        throw new IdxFormatException(source + ": label " + y[i] + " at index " + i + " outside 0..9");
      }
    }
    return new Dataset(name, x, y, 1, h, w, 10);
  }

  static Path file(Path dir, String base) {
    Path gz = dir.resolve(base + ".gz");
    return Files.isRegularFile(gz) ? gz : dir.resolve(base);
  }
}

package io.hindsight.data;

/**
 * An in-memory labelled image dataset: images {@code (count, channels, height, width)} as
 * normalized float32, labels in {@code [0, classes)}.
 */
public record Dataset(String name, float[] images, int[] labels, int channels, int height, int width, int classes) {

  public Dataset {
    int per = channels * height * width;
    if (per <= 0 || images.length != labels.length * per) {
      throw new IllegalArgumentException(name + ": " + images.length + " pixel values for " + labels.length
          + " images of " + channels + "x" + height + "x" + width);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(name + ": label " + labels[i] + " of example " + i
            + " outside [0, " + classes + ")");
      }
    }
  }

  public int size() {
    return labels.length;
  }

  public int imageSize() {
    return channels * height * width;
  }

  /** The first {@code limit} examples (a copy), or this dataset if it has no more than that. */
  public Dataset limit(int limit) {
    if (limit >= size()) {
      return this;
    }
    float[] img = java.util.Arrays.copyOf(images, limit * imageSize());
    int[] lab = java.util.Arrays.copyOf(labels, limit);
    return new Dataset(name, img, lab, channels, height, width, classes);
  }
}

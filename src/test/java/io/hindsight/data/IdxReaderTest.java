package io.hindsight.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  static byte[] idx(int magic, int[] dims, int bodyBytes) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeInt(magic);
    for (int d : dims) {
      out.writeInt(d);
    }
    for (int i = 0; i < bodyBytes; i++) {
      out.writeByte(i % 10);
    }
    return bos.toByteArray();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
      gz.write(raw);
    }
    return bos.toByteArray();
  }

  @Test
  void readsRawAndGzipImages() throws IOException {
    byte[] raw = idx(0x803, new int[] {3, 2, 2}, 12);
    IdxArray a = IdxReader.read(raw, "raw", 3);
    IdxArray b = IdxReader.read(gzip(raw), "gz", 3);
    assertThat(a.shape()).containsExactly(3, 2, 2);
    assertThat(b.values()).containsExactly(a.values());
  }

  @Test
  void rejectsBadMagic() throws IOException {
    byte[] raw = idx(0x12340803, new int[] {1, 1, 1}, 1);
    assertThatThrownBy(() -> IdxReader.read(raw, "f", 3)).isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("bad magic");
  }

  @Test
  void rejectsWrongDimensionCount() throws IOException {
    byte[] raw = idx(0x801, new int[] {4}, 4);
    assertThatThrownBy(() -> IdxReader.read(raw, "labels-as-images", 3))
        .hasMessageContaining("has 1 dimensions, expected 3");
  }

  @Test
  void rejectsNonByteElementType() throws IOException {
    byte[] raw = idx(0x0D01, new int[] {4}, 16);
    assertThatThrownBy(() -> IdxReader.read(raw, "floats", 1)).hasMessageContaining("element type 0xd");
  }

  @Test
  void rejectsTruncatedBodyEvenWhenGzipped() throws IOException {
    byte[] raw = idx(0x803, new int[] {10, 28, 28}, 10 * 28 * 28 - 5);
    assertThatThrownBy(() -> IdxReader.read(raw, "short", 3)).hasMessageContaining("truncated");
    assertThatThrownBy(() -> IdxReader.read(gzip(raw), "short.gz", 3)).hasMessageContaining("truncated");
  }

  @Test
  void rejectsTruncatedGzipStream() throws IOException {
    byte[] gz = gzip(idx(0x803, new int[] {10, 28, 28}, 10 * 28 * 28));
    byte[] cut = java.util.Arrays.copyOf(gz, gz.length / 2);
    assertThatThrownBy(() -> IdxReader.read(cut, "cut.gz", 3)).isInstanceOf(IOException.class);
  }

  @Test
  void rejectsTrailingBytes() throws IOException {
    byte[] raw = idx(0x801, new int[] {4}, 5);
    assertThatThrownBy(() -> IdxReader.read(raw, "long", 1)).hasMessageContaining("trailing bytes");
  }

  @Test
  void rejectsEmptyAndHugeHeaders() throws IOException {
    assertThatThrownBy(() -> IdxReader.read(new byte[2], "tiny", 1)).hasMessageContaining("too short");
    byte[] huge = idx(0x803, new int[] {60000, 60000, 28}, 0);
    assertThatThrownBy(() -> IdxReader.read(huge, "huge", 3)).hasMessageContaining("more than");
  }

  @Test
  void loaderChecksImageAndLabelCountsAgree(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("train-images-idx3-ubyte"), idx(0x803, new int[] {3, 2, 2}, 12));
    Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(0x801, new int[] {2}, 2));
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(0x803, new int[] {1, 2, 2}, 4));
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x801, new int[] {1}, 1));
    assertThatThrownBy(() -> DatasetLoader.loadFrom(dir, "fashion-mnist"))
        .hasMessageContaining("3 images but 2 labels");
  }

  @Test
  void loaderNormalizesPixels(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx(0x803, new int[] {2, 2, 2}, 8)));
    Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(0x801, new int[] {2}, 2)));
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(0x803, new int[] {1, 2, 2}, 4));
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x801, new int[] {1}, 1));
    DatasetLoader.Splits s = DatasetLoader.loadFrom(dir, "fashion-mnist");
    assertThat(s.train().size()).isEqualTo(2);
    assertThat(s.train().images()[0]).isCloseTo(-0.2860f / 0.3530f, org.assertj.core.data.Offset.offset(1e-5f));
    assertThat(s.train().labels()).containsExactly(0, 1);
  }

  @Test
  void missingDatasetErrorSaysHowToInstall() {
    assertThatThrownBy(() -> DatasetLoader.load("fashion-mnist", "/nonexistent/dir"))
        .hasMessageContaining("not found").hasMessageContaining("dataset-fashion-mnist");
  }
}

package io.hindsight.service.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Builds multipart/form-data bodies for upload tests. */
public final class Multipart {
  private final String boundary = "----hs" + UUID.randomUUID().toString().replace("-", "");
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final Map<String, String> fields = new LinkedHashMap<>();

  public Multipart file(String name, byte[] content) {
    files.put(name, content);
    return this;
  }

  public Multipart field(String name, String value) {
    fields.put(name, value);
    return this;
  }

  public String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  public byte[] body() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"
          + f.getValue() + "\r\n");
    }
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"; filename=\""
          + f.getKey() + ".idx\"\r\nContent-Type: application/octet-stream\r\n\r\n");
      out.writeBytes(f.getValue());
      write(out, "\r\n");
    }
    write(out, "--" + boundary + "--\r\n");
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /** An IDX images file (magic 0x803) of {@code count} {@code size}x{@code size} images, pixel = f(label). */
  public static byte[] idxImages(int[] labels, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeInt(out, 0x00000803);
    writeInt(out, labels.length);
    writeInt(out, size);
    writeInt(out, size);
    for (int label : labels) {
      for (int p = 0; p < size * size; p++) {
        // a class-dependent stripe pattern: learnable
        out.write((p / size) % 10 == label ? 255 : (p * 7 + label * 13) % 40);
      }
    }
    return out.toByteArray();
  }

  public static byte[] idxLabels(int[] labels) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeInt(out, 0x00000801);
    writeInt(out, labels.length);
    for (int l : labels) {
      out.write(l);
    }
    return out.toByteArray();
  }

  public static int[] labels(int n, int seed) {
    int[] l = new int[n];
    for (int i = 0; i < n; i++) {
      l[i] = (i * 7 + seed) % 10;
    }
    return l;
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }
}

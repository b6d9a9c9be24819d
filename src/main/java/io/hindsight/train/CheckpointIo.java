package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Reads and writes {@link Checkpoint}s. Layout: magic {@code HSCK}, format version, a UTF-8 JSON
 * header (position, RNG, metrics, tensor directory, extensions), the tensors' float32 values in
 * directory order (big-endian), and a CRC32 of everything before it. Writes go to a temporary file
 * that is atomically renamed, so a crash mid-write never leaves a torn checkpoint.
 */
public final class CheckpointIo {
  private static final int MAGIC = 0x4853434B; // "HSCK"
  private static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointIo() {}

  public static void write(Checkpoint c, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (OutputStream raw = Files.newOutputStream(tmp)) {
        write(c, raw);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void write(Checkpoint c, OutputStream raw) throws IOException {
    CRC32 crc = new CRC32();
    DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
    ObjectNode h = JSON.createObjectNode();
    h.put("spec", c.specJson());
    h.put("epoch", c.epoch());
    h.put("batchInEpoch", c.batchInEpoch());
    h.put("globalStep", c.globalStep());
    ArrayNode rng = h.putArray("rng");
    for (long v : c.rngState()) {
      rng.add(v);
    }
    h.set("finishedEpochs", JSON.valueToTree(c.finishedEpochs()));
    h.set("current", JSON.valueToTree(c.current()));
    ArrayNode dirNode = h.putArray("tensors");
    for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
      ObjectNode t = dirNode.addObject();
      t.put("name", e.getKey());
      ArrayNode shape = t.putArray("shape");
      for (int d : e.getValue().shape()) {
        shape.add(d);
      }
    }
    h.set("extensions", JSON.valueToTree(c.extensions()));
    byte[] header = JSON.writeValueAsBytes(h);
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(header.length);
    out.write(header);
    for (Tensor t : c.tensors().values()) {
      writeFloats(out, t.data());
    }
    out.flush();
    long sum = crc.getValue();
    DataOutputStream tail = new DataOutputStream(raw);
    tail.writeLong(sum);
    tail.flush();
  }

  private static void writeFloats(DataOutputStream out, float[] d) throws IOException {
    byte[] buf = new byte[Math.min(d.length, 1 << 16) * 4];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
    for (int off = 0; off < d.length; off += buf.length / 4) {
      int n = Math.min(buf.length / 4, d.length - off);
      bb.clear();
      bb.asFloatBuffer().put(d, off, n);
      out.write(buf, 0, n * 4);
    }
  }

  private static void readFloats(DataInputStream in, float[] d) throws IOException {
    byte[] buf = new byte[Math.min(d.length, 1 << 16) * 4];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
    for (int off = 0; off < d.length; off += buf.length / 4) {
      int n = Math.min(buf.length / 4, d.length - off);
      in.readFully(buf, 0, n * 4);
      bb.clear();
      bb.asFloatBuffer().get(d, off, n);
    }
  }

  public static Checkpoint read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  public static Checkpoint read(InputStream raw, String source) throws IOException {
    CRC32 crc = new CRC32();
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
    DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc));
    try {
      if (in.readInt() != MAGIC) {
        throw new IOException(source + ": not a Hindsight checkpoint (bad magic)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(source + ": unsupported checkpoint version " + version);
      }
      int len = in.readInt();
      if (len <= 0 || len > (64 << 20)) {
        throw new IOException(source + ": corrupt checkpoint header length " + len);
      }
      byte[] header = in.readNBytes(len);
      if (header.length != len) {
        throw new EOFException();
      }
      JsonNode h = JSON.readTree(new String(header, StandardCharsets.UTF_8));
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (JsonNode t : h.get("tensors")) {
        int[] shape = new int[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = t.get("shape").get(i).asInt();
        }
        Tensor tensor = Tensor.zeros(shape);
        readFloats(in, tensor.data());
        tensors.put(t.get("name").asText(), tensor);
      }
      long expected = crc.getValue();
      long stored = new DataInputStream(buffered).readLong();
      if (stored != expected) {
        throw new IOException(source + ": checkpoint checksum mismatch (file is corrupt)");
      }
      long[] rng = new long[h.get("rng").size()];
      for (int i = 0; i < rng.length; i++) {
        rng[i] = h.get("rng").get(i).asLong();
      }
      List<EpochMetrics> epochs = new ArrayList<>();
      for (JsonNode e : h.get("finishedEpochs")) {
        epochs.add(JSON.treeToValue(e, EpochMetrics.class));
      }
      Checkpoint.EpochAccumulator acc = JSON.treeToValue(h.get("current"), Checkpoint.EpochAccumulator.class);
      Map<String, JsonNode> ext = new LinkedHashMap<>();
      h.get("extensions").fields().forEachRemaining(e -> ext.put(e.getKey(), e.getValue()));
      return new Checkpoint(h.get("spec").asText(), h.get("epoch").asInt(), h.get("batchInEpoch").asInt(),
          h.get("globalStep").asLong(), rng, epochs, acc, tensors, ext);
    } catch (EOFException e) {
      throw new IOException(source + ": checkpoint is truncated", e);
    }
  }
}

package io.hindsight.service.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.onnx.OnnxModels;
import io.hindsight.tensor.Tensor;
import io.hindsight.train.Checkpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a trained model as a zip ({@code hindsight-model/1}): {@code manifest.json} (format,
 * job id, architecture, the spec, training position, a tensor directory, and the quantization
 * parameters / other plugin state from the checkpoint's extensions) and one
 * {@code tensors/NNNN.bin} per tensor, raw float32 little-endian in the tensor's row-major
 * (NCHW / out×in) order. Parameters ({@code param/...}) and buffers ({@code buffer/...}, e.g.
 * BatchNorm running statistics) are included; optimizer state is not. Entry names are generated,
 * never taken from tensor names. The zip also carries {@code model.onnx} ({@link OnnxModels}: the
 * same model as ONNX, QDQ for a quantized job) unless the model has no ONNX form, in which case the
 * manifest's {@code onnxUnavailable} says why.
 */
public final class ModelArchive {
  public static final String FORMAT = "hindsight-model/1";
  /** The zip entry of the ONNX form of the model. */
  public static final String ONNX_FILE = "model.onnx";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelArchive() {}

  public static void write(String jobId, Checkpoint c, OutputStream out) throws IOException {
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("format", FORMAT);
    manifest.put("jobId", jobId);
    JsonNode spec = JSON.readTree(c.specJson());
    manifest.put("arch", spec.path("model").path("arch").asText());
    ObjectNode publicSpec = spec.deepCopy();
    if (publicSpec.path("dataset") instanceof ObjectNode ds) {
      ds.remove("path");
    }
    manifest.set("spec", publicSpec);
    manifest.put("epochs", c.epoch());
    manifest.put("globalStep", c.globalStep());
    ArrayNode tensors = manifest.putArray("tensors");
    ZipOutputStream zip = new ZipOutputStream(out);
    int i = 0;
    for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
      if (!(e.getKey().startsWith("param/") || e.getKey().startsWith("buffer/"))) {
        continue;
      }
      String file = String.format("tensors/%04d.bin", i++);
      ObjectNode t = tensors.addObject();
      t.put("name", e.getKey());
      ArrayNode shape = t.putArray("shape");
      for (int d : e.getValue().shape()) {
        shape.add(d);
      }
      t.put("dtype", "float32");
      t.put("byteOrder", "little-endian");
      t.put("file", file);
      float[] data = e.getValue().data();
      t.put("bytes", (long) data.length * 4);
      zip.putNextEntry(new ZipEntry(file));
      ByteBuffer buf = ByteBuffer.allocate(Math.min(data.length, 1 << 14) * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int off = 0; off < data.length; off += buf.capacity() / 4) {
        int n = Math.min(buf.capacity() / 4, data.length - off);
        buf.clear();
        buf.asFloatBuffer().put(data, off, n);
        zip.write(buf.array(), 0, n * 4);
      }
      zip.closeEntry();
    }
    ObjectNode ext = manifest.putObject("extensions");
    c.extensions().forEach(ext::set);
    manifest.set("quantization", c.extensions().getOrDefault("quantization", JSON.nullNode()));
    try {
      byte[] onnx = OnnxModels.export(c, jobId);
      zip.putNextEntry(new ZipEntry(ONNX_FILE));
      zip.write(onnx);
      zip.closeEntry();
      manifest.put("onnx", ONNX_FILE);
    } catch (IllegalArgumentException e) { // OnnxExportException, or a checkpoint the model cannot be rebuilt from
      manifest.putNull("onnx");
      manifest.put("onnxUnavailable", e.getMessage());
    }
    zip.putNextEntry(new ZipEntry("manifest.json"));
    zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
    zip.closeEntry();
    zip.finish();
  }
}

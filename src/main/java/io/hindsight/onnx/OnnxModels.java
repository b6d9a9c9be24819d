package io.hindsight.onnx;

import io.hindsight.backend.CpuBackend;
import io.hindsight.train.Checkpoint;
import io.hindsight.train.TrainedModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ONNX file of a finished run: its checkpoint's model ({@link TrainedModel}) through
 * {@link OnnxExporter}, with the dataset's input convention ({@link GraphInput}) and provenance in
 * the model's metadata. The one entry point of the command line ({@code hindsight export}) and the
 * service ({@code /artifacts/onnx}, {@code model.onnx} in the model zip).
 */
public final class OnnxModels {
  private OnnxModels() {}

  /**
   * The serialized ONNX model of checkpoint {@code c}.
   *
   * @param jobId stored in the metadata, or null
   * @throws OnnxExportException when the model or its quantization has no faithful ONNX form
   */
  public static byte[] export(Checkpoint c, String jobId) {
    try (CpuBackend backend = new CpuBackend(1)) {
      return export(TrainedModel.restore(c, backend), jobId, c.epoch(), c.globalStep());
    }
  }

  /** As {@link #export(Checkpoint, String)} for an already restored model. */
  public static byte[] export(TrainedModel t, String jobId, int epochs, long globalStep) {
    Map<String, String> meta = new LinkedHashMap<>();
    if (jobId != null) {
      meta.put("hindsight.jobId", jobId);
    }
    meta.put("hindsight.arch", t.spec().model().arch());
    meta.put("hindsight.width", Double.toString(t.spec().model().width()));
    meta.put("hindsight.dataset", t.spec().dataset().name());
    meta.put("hindsight.quantized", Boolean.toString(t.spec().quantized()));
    meta.put("hindsight.epochs", Integer.toString(epochs));
    meta.put("hindsight.globalStep", Long.toString(globalStep));
    return OnnxExporter.export(t.model(), GraphInput.of(t.spec().dataset().name()), meta).toByteArray();
  }
}

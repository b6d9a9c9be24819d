package io.hindsight.onnx;

/** A model (or its quantization) that has no faithful ONNX form; the message says which part and why. */
public final class OnnxExportException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public OnnxExportException(String message) {
    super(message);
  }
}

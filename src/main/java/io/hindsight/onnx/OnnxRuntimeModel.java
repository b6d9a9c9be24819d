package io.hindsight.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.hindsight.data.Dataset;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * An exported model loaded in ONNX Runtime (its Java API, CPU execution provider): logits of a
 * batch, and the predicted classes of a dataset split fed through {@link GraphInput}. An independent
 * check that the file computes what our engine computed.
 */
public final class OnnxRuntimeModel implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;

  /**
   * Loads a serialized ONNX model; ONNX Runtime's own checks reject a malformed one.
   *
   * @param threads intra-op threads (0: ONNX Runtime's default)
   * @param optimize all graph optimizations, as a deployment runs it: QDQ groups become integer
   *     kernels (e.g. a quantized convolution with its bias in int32 and a fixed-point requantization),
   *     which round differently from a float product of dequantized values; false runs every node as
   *     the ONNX operator defines it (float products of the dequantized values, as our engine computes)
   */
  public OnnxRuntimeModel(byte[] model, int threads, boolean optimize) {
    try {
      env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions o = new OrtSession.SessionOptions();
      o.setOptimizationLevel(optimize ? OrtSession.SessionOptions.OptLevel.ALL_OPT
          : OrtSession.SessionOptions.OptLevel.NO_OPT);
      if (threads > 0) {
        o.setIntraOpNumThreads(threads);
      }
      session = env.createSession(model, o);
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
    }
  }

  /** Logits {@code (n, classes)} of {@code n} inputs of shape {@code chw}, row-major in {@code images}. */
  public float[][] logits(float[] images, int n, int[] chw) {
    long[] shape = {n, chw[0], chw[1], chw[2]};
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), shape);
        OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, x))) {
      return (float[][]) r.get(OnnxExporter.OUTPUT).orElseThrow().getValue();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a batch of " + n + ": " + e.getMessage(), e);
    }
  }

  /** The predicted class (the largest logit, the first on ties) of every example of {@code data}. */
  public int[] predictions(Dataset data, GraphInput input, int batchSize) {
    int per = data.imageSize();
    int[] chw = {data.channels(), data.height(), data.width()};
    int[] predicted = new int[data.size()];
    for (int from = 0; from < data.size(); from += batchSize) {
      int n = Math.min(batchSize, data.size() - from);
      float[] x = input.fromDatasetValues(Arrays.copyOfRange(data.images(), from * per, (from + n) * per));
      float[][] logits = logits(x, n, chw);
      for (int i = 0; i < n; i++) {
        predicted[from + i] = argmax(logits[i]);
      }
    }
    return predicted;
  }

  /** The index of the largest value (the first of equal ones); NaN never wins. */
  public static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best] || Float.isNaN(v[best]) && !Float.isNaN(v[i])) {
        best = i;
      }
    }
    return best;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing the ONNX Runtime session: " + e.getMessage(), e);
    }
  }
}

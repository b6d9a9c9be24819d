package io.hindsight.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.hindsight.model.Model;
import io.hindsight.nn.Buffer;
import io.hindsight.nn.Parameter;
import io.hindsight.tensor.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The persistent libtorch copies of one {@link Model}'s parameters (leaf tensors that record
 * gradients) and buffers (BatchNorm running statistics, updated in place by libtorch), keyed by
 * our names ({@code stage1.block0.conv1.weight}, {@code bn1.runningMean}). Copied once from the
 * model; written back only by {@link #copyTo}.
 */
final class DjlState {
  private final Map<String, NDArray> params = new LinkedHashMap<>();
  private final Map<String, NDArray> buffers = new LinkedHashMap<>();

  /** Copies {@code model}'s parameters and buffers into new arrays owned by {@code manager}. */
  DjlState(NDManager manager, Model model) {
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      NDArray a = NdConvert.toNd(manager, e.getValue().value());
      a.setRequiresGradient(true);
      params.put(e.getKey(), a);
    }
    for (Buffer b : model.buffers()) {
      if (buffers.put(b.name(), NdConvert.toNd(manager, b.value())) != null) {
        throw new IllegalArgumentException("model " + model.arch() + " has two buffers named " + b.name());
      }
    }
  }

  /** The parameter array named {@code name}; throws naming it if the model has none. */
  NDArray param(String name) {
    NDArray a = params.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no parameter named '" + name + "' in the model copied to DJL");
    }
    return a;
  }

  /** The buffer array named {@code name}; throws naming it if the model has none. */
  NDArray buffer(String name) {
    NDArray a = buffers.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no buffer named '" + name + "' in the model copied to DJL");
    }
    return a;
  }

  /** Parameters by name, in model order (unmodifiable). */
  Map<String, NDArray> params() {
    return Collections.unmodifiableMap(params);
  }

  /** Buffers by name, in model order (unmodifiable). */
  Map<String, NDArray> buffers() {
    return Collections.unmodifiableMap(buffers);
  }

  /** Clears the accumulated gradients (libtorch adds each backward into {@code .grad}). */
  void zeroGradients() {
    for (NDArray p : params.values()) {
      JniUtils.zeroGrad((PtNDArray) p);
    }
  }

  /** A copy of every parameter's current gradient, by name (zeros where none was computed). */
  Map<String, Tensor> gradients() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      try (NDArray g = e.getValue().getGradient()) {
        out.put(e.getKey(), NdConvert.toTensor(g));
      }
    }
    return out;
  }

  /**
   * Writes every parameter and buffer into the same-named tensor of {@code target}, which must have
   * exactly the same names and shapes.
   */
  void copyTo(Model target) {
    Map<String, Parameter> named = target.namedParameters();
    if (!named.keySet().equals(params.keySet())) {
      throw new IllegalArgumentException("target model " + target.arch() + " has parameters " + named.keySet()
          + " but the DJL copy has " + params.keySet());
    }
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      write(e.getKey(), params.get(e.getKey()), e.getValue().value());
    }
    Map<String, Tensor> targetBuffers = new LinkedHashMap<>();
    for (Buffer b : target.buffers()) {
      targetBuffers.put(b.name(), b.value());
    }
    if (!targetBuffers.keySet().equals(buffers.keySet())) {
      throw new IllegalArgumentException("target model " + target.arch() + " has buffers " + targetBuffers.keySet()
          + " but the DJL copy has " + buffers.keySet());
    }
    for (Map.Entry<String, Tensor> e : targetBuffers.entrySet()) {
      write(e.getKey(), buffers.get(e.getKey()), e.getValue());
    }
  }

  private static void write(String name, NDArray src, Tensor dst) {
    Tensor t = NdConvert.toTensor(src);
    if (!t.sameShape(dst)) {
      throw new IllegalArgumentException(name + ": DJL copy has shape " + Arrays.toString(t.shape())
          + " but the target tensor is " + Arrays.toString(dst.shape()));
    }
    dst.copyFrom(t);
  }
}

package io.hindsight.model;

import io.hindsight.nn.Buffer;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Parameter;
import io.hindsight.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier built by {@link ModelFactory}: a root layer mapping images {@code (N, C, H, W)} to
 * logits {@code (N, classes)}, with its parameters and buffers addressable by name (checkpoints,
 * the DJL reference, quantizer naming).
 */
public final class Model {
  private final String arch;
  private final Layer root;
  private final int classes;
  private final int[] inputShape; // (C, H, W)

  public Model(String arch, Layer root, int classes, int[] inputShape) {
    this.arch = arch;
    this.root = root;
    this.classes = classes;
    this.inputShape = inputShape.clone();
  }

  public String arch() {
    return arch;
  }

  public Layer root() {
    return root;
  }

  public int classes() {
    return classes;
  }

  /** {@code (C, H, W)} of one input image. */
  public int[] inputShape() {
    return inputShape.clone();
  }

  /** Logits {@code (N, classes)} of images {@code (N, C, H, W)}. */
  public Tensor forward(Tensor x, boolean training) {
    return root.forward(x, training);
  }

  /** Backpropagates {@code dLogits}; parameter gradients land in each {@link Parameter#grad()}. */
  public Tensor backward(Tensor dLogits) {
    return root.backward(dLogits);
  }

  public List<Parameter> parameters() {
    return root.parameters();
  }

  public List<Buffer> buffers() {
    return root.buffers();
  }

  /** Parameters by name, in model order. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> m = new LinkedHashMap<>();
    for (Parameter p : parameters()) {
      if (m.put(p.name(), p) != null) {
        throw new IllegalStateException("duplicate parameter name " + p.name());
      }
    }
    return m;
  }

  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters()) {
      n += p.value().size();
    }
    return n;
  }

  /** Every leaf layer in execution order (depth first). */
  public List<Layer> leaves() {
    List<Layer> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private static void collect(Layer l, List<Layer> out) {
    if (l.children().isEmpty()) {
      out.add(l);
    } else {
      for (Layer c : l.children()) {
        collect(c, out);
      }
    }
  }
}

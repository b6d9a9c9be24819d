package io.hindsight.nn;

import io.hindsight.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Layers applied in order; backward runs them in reverse. */
public final class Sequential implements Layer {
  private final String name;
  private final List<Layer> layers;

  public Sequential(String name, List<Layer> layers) {
    this.name = name;
    this.layers = List.copyOf(layers);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    Tensor h = x;
    for (Layer l : layers) {
      h = l.forward(h, training);
    }
    return h;
  }

  @Override
  public Tensor backward(Tensor dY) {
    Tensor g = dY;
    for (int i = layers.size() - 1; i >= 0; i--) {
      g = layers.get(i).backward(g);
    }
    return g;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    for (Layer l : layers) {
      ps.addAll(l.parameters());
    }
    return ps;
  }

  @Override
  public List<Buffer> buffers() {
    List<Buffer> bs = new ArrayList<>();
    for (Layer l : layers) {
      bs.addAll(l.buffers());
    }
    return bs;
  }

  @Override
  public List<Layer> children() {
    return layers;
  }
}

package io.hindsight.nn;

import io.hindsight.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Residual add: {@code y = post(main(x) + shortcut(x))}. {@code shortcut} null means identity and
 * {@code post} null means no activation after the add (MobileNetV2's linear bottleneck).
 * Backward sends the gradient of the sum to both branches and adds their input gradients.
 */
public final class Residual implements Layer {
  private final String name;
  private final Layer main;
  private final Layer shortcut;
  private final Layer post;

  public Residual(String name, Layer main, Layer shortcut, Layer post) {
    this.name = name;
    this.main = main;
    this.shortcut = shortcut;
    this.post = post;
  }

  @Override
  public String name() {
    return name;
  }

  public Layer main() {
    return main;
  }

  public Layer shortcut() {
    return shortcut;
  }

  public Layer post() {
    return post;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    Tensor a = main.forward(x, training);
    Tensor b = shortcut == null ? x : shortcut.forward(x, training);
    if (!a.sameShape(b)) {
      throw new IllegalArgumentException(name + ": branch shapes differ: main " + a + " vs shortcut " + b);
    }
    Tensor sum = Tensor.zerosLike(a);
    float[] ad = a.data();
    float[] bd = b.data();
    float[] sd = sum.data();
    for (int i = 0; i < sd.length; i++) {
      sd[i] = ad[i] + bd[i];
    }
    return post == null ? sum : post.forward(sum, training);
  }

  @Override
  public Tensor backward(Tensor dY) {
    Tensor dSum = post == null ? dY : post.backward(dY);
    Tensor dMain = main.backward(dSum);
    Tensor dShort = shortcut == null ? dSum : shortcut.backward(dSum);
    Tensor dX = Tensor.zerosLike(dMain);
    float[] a = dMain.data();
    float[] b = dShort.data();
    float[] d = dX.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = a[i] + b[i];
    }
    return dX;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(main.parameters());
    if (shortcut != null) {
      ps.addAll(shortcut.parameters());
    }
    if (post != null) {
      ps.addAll(post.parameters());
    }
    return ps;
  }

  @Override
  public List<Buffer> buffers() {
    List<Buffer> bs = new ArrayList<>(main.buffers());
    if (shortcut != null) {
      bs.addAll(shortcut.buffers());
    }
    if (post != null) {
      bs.addAll(post.buffers());
    }
    return bs;
  }

  @Override
  public List<Layer> children() {
    List<Layer> c = new ArrayList<>();
    c.add(main);
    if (shortcut != null) {
      c.add(shortcut);
    }
    if (post != null) {
      c.add(post);
    }
    return c;
  }
}

package io.hindsight.model;

import io.hindsight.backend.Backend;
import io.hindsight.nn.Activation;
import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Dropout;
import io.hindsight.nn.Flatten;
import io.hindsight.nn.GlobalAvgPool;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Linear;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.Pool2d;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.Residual;
import io.hindsight.nn.Sequential;
import io.hindsight.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds the supported architectures for small single-channel images (28x28 Fashion-MNIST):
 * {@code mlp}, {@code cnn} (LeNet-style), {@code resnet20} (CIFAR ResNet, 3 stages of 3 basic
 * blocks, 1x1-conv projection shortcuts) and {@code mobilenetv2} (inverted residuals with
 * depthwise convolutions and ReLU6, width multiplier). Weights get Kaiming-normal initialization
 * ({@code std = sqrt(2 / fanIn)}) from the given seeded {@link Rng}; biases and BatchNorm shifts 0,
 * BatchNorm scales 1.
 */
public final class ModelFactory {
  public static final Set<String> ARCHITECTURES = Set.of("mlp", "cnn", "resnet20", "mobilenetv2");

  private final Backend backend;
  private final QuantHooksProvider quant;
  private final Rng dropoutRng;

  public ModelFactory(Backend backend, QuantHooksProvider quant, Rng dropoutRng) {
    this.backend = backend;
    this.quant = quant == null ? QuantHooksProvider.NONE : quant;
    this.dropoutRng = dropoutRng;
  }

  /**
   * @param arch one of {@link #ARCHITECTURES}
   * @param width channel/feature multiplier (1.0 is the reference size)
   * @param dropout dropout probability before the classifier of {@code mlp} and {@code cnn}
   * @param inputShape {@code (C, H, W)}
   * @param initRng initialization randomness
   */
  public Model build(String arch, double width, double dropout, int[] inputShape, int classes, Rng initRng) {
    if (width <= 0 || width > 8) {
      throw new IllegalArgumentException("width must be in (0, 8], got " + width);
    }
    Layer root = switch (arch) {
      case "mlp" -> mlp(width, dropout, inputShape, classes);
      case "cnn" -> cnn(width, dropout, inputShape, classes);
      case "resnet20" -> resnet20(width, inputShape, classes);
      case "mobilenetv2" -> mobilenetV2(width, inputShape, classes);
      default -> throw new IllegalArgumentException("unknown architecture '" + arch + "'; expected one of "
          + ARCHITECTURES);
    };
    Model model = new Model(arch, root, classes, inputShape);
    initialize(model, initRng);
    return model;
  }

  private static int scaled(double width, int channels) {
    return Math.max(1, (int) Math.round(channels * width));
  }

  private Layer mlp(double width, double dropout, int[] in, int classes) {
    int inFeatures = in[0] * in[1] * in[2];
    int h1 = scaled(width, 256);
    int h2 = scaled(width, 128);
    List<Layer> ls = new ArrayList<>();
    ls.add(new Flatten("flatten"));
    ls.add(linear("fc1", inFeatures, h1));
    ls.add(relu("relu1"));
    ls.add(linear("fc2", h1, h2));
    ls.add(relu("relu2"));
    if (dropout > 0) {
      ls.add(new Dropout("dropout", (float) dropout, dropoutRng));
    }
    ls.add(linear("fc3", h2, classes));
    return new Sequential("mlp", ls);
  }

  private Layer cnn(double width, double dropout, int[] in, int classes) {
    int c1 = scaled(width, 32);
    int c2 = scaled(width, 64);
    int hidden = scaled(width, 128);
    int h = in[1] / 4;
    int w = in[2] / 4;
    List<Layer> ls = new ArrayList<>();
    ls.add(conv("conv1", in[0], c1, 3, 1, 1, 1, true));
    ls.add(relu("relu1"));
    ls.add(Pool2d.max("pool1", 2, 2).on(backend));
    ls.add(conv("conv2", c1, c2, 3, 1, 1, 1, true));
    ls.add(relu("relu2"));
    ls.add(Pool2d.max("pool2", 2, 2).on(backend));
    ls.add(new Flatten("flatten"));
    ls.add(linear("fc1", c2 * h * w, hidden));
    ls.add(relu("relu3"));
    if (dropout > 0) {
      ls.add(new Dropout("dropout", (float) dropout, dropoutRng));
    }
    ls.add(linear("fc2", hidden, classes));
    return new Sequential("cnn", ls);
  }

  private Layer resnet20(double width, int[] in, int classes) {
    int[] channels = {scaled(width, 16), scaled(width, 32), scaled(width, 64)};
    List<Layer> ls = new ArrayList<>();
    ls.add(conv("conv1", in[0], channels[0], 3, 1, 1, 1, false));
    ls.add(new BatchNorm2d("bn1", backend, channels[0]));
    ls.add(relu("relu1"));
    int inC = channels[0];
    for (int s = 0; s < 3; s++) {
      for (int b = 0; b < 3; b++) {
        String p = "stage" + (s + 1) + ".block" + b;
        int outC = channels[s];
        int stride = s > 0 && b == 0 ? 2 : 1;
        Layer main = new Sequential(p + ".main", List.of(
            conv(p + ".conv1", inC, outC, 3, stride, 1, 1, false),
            new BatchNorm2d(p + ".bn1", backend, outC),
            relu(p + ".relu1"),
            conv(p + ".conv2", outC, outC, 3, 1, 1, 1, false),
            new BatchNorm2d(p + ".bn2", backend, outC)));
        Layer shortcut = stride != 1 || inC != outC
            ? new Sequential(p + ".shortcut", List.of(
                conv(p + ".shortcut.conv", inC, outC, 1, stride, 0, 1, false),
                new BatchNorm2d(p + ".shortcut.bn", backend, outC)))
            : null;
        ls.add(new Residual(p, main, shortcut, relu(p + ".relu2")));
        inC = outC;
      }
    }
    ls.add(new GlobalAvgPool("pool"));
    ls.add(linear("fc", inC, classes));
    return new Sequential("resnet20", ls);
  }

  /** Inverted-residual settings {expansion t, channels c, repeats n, first stride s} for 28x28 inputs (28, 14, 7, 4 pixels). */
  private static final int[][] MOBILENET_V2_28 = {
      {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 1}, {6, 320, 1, 1}
  };

  private Layer mobilenetV2(double width, int[] in, int classes) {
    List<Layer> ls = new ArrayList<>();
    int stem = makeDivisible(32 * width);
    ls.add(conv("stem.conv", in[0], stem, 3, 1, 1, 1, false));
    ls.add(new BatchNorm2d("stem.bn", backend, stem));
    ls.add(relu6("stem.relu"));
    int inC = stem;
    int idx = 0;
    for (int[] cfg : MOBILENET_V2_28) {
      int t = cfg[0];
      int outC = makeDivisible(cfg[1] * width);
      for (int r = 0; r < cfg[2]; r++) {
        int stride = r == 0 ? cfg[3] : 1;
        String p = "block" + idx++;
        int hidden = inC * t;
        List<Layer> main = new ArrayList<>();
        if (t != 1) {
          main.add(conv(p + ".expand", inC, hidden, 1, 1, 0, 1, false));
          main.add(new BatchNorm2d(p + ".expand.bn", backend, hidden));
          main.add(relu6(p + ".expand.relu"));
        }
        main.add(conv(p + ".depthwise", hidden, hidden, 3, stride, 1, hidden, false));
        main.add(new BatchNorm2d(p + ".depthwise.bn", backend, hidden));
        main.add(relu6(p + ".depthwise.relu"));
        main.add(conv(p + ".project", hidden, outC, 1, 1, 0, 1, false));
        main.add(new BatchNorm2d(p + ".project.bn", backend, outC));
        Sequential seq = new Sequential(p + ".main", main);
        ls.add(stride == 1 && inC == outC ? new Residual(p, seq, null, null) : seq);
        inC = outC;
      }
    }
    int last = makeDivisible(Math.max(1.0, width) * 1280 / 2); // 640 at width 1: sized for 10 classes
    ls.add(conv("head.conv", inC, last, 1, 1, 0, 1, false));
    ls.add(new BatchNorm2d("head.bn", backend, last));
    ls.add(relu6("head.relu"));
    ls.add(new GlobalAvgPool("pool"));
    ls.add(linear("fc", last, classes));
    return new Sequential("mobilenetv2", ls);
  }

  /** Rounds channels to a multiple of 8, never below 90% of the request (as the MobileNetV2 paper). */
  static int makeDivisible(double v) {
    int d = 8;
    int n = Math.max(d, (int) (v + d / 2.0) / d * d);
    if (n < 0.9 * v) {
      n += d;
    }
    return n;
  }

  private Activation relu(String name) {
    return Activation.relu(name, backend);
  }

  private Activation relu6(String name) {
    return Activation.relu6(name, backend);
  }

  private Conv2d conv(String name, int in, int out, int k, int stride, int pad, int groups, boolean bias) {
    return new Conv2d(name, backend, in, out, k, stride, pad, groups, bias, quant.forLayer(name, backend));
  }

  private Linear linear(String name, int in, int out) {
    return new Linear(name, backend, in, out, true, quant.forLayer(name, backend));
  }

  private static void initialize(Model model, Rng rng) {
    for (Parameter p : model.parameters()) {
      float[] d = p.value().data();
      int[] shape = p.value().shape();
      boolean isWeight = p.name().endsWith(".weight") && shape.length >= 2;
      if (!isWeight) {
        continue; // biases stay 0, BatchNorm gamma 1 / beta 0
      }
      int fanIn = 1;
      for (int i = 1; i < shape.length; i++) {
        fanIn *= shape[i];
      }
      double std = Math.sqrt(2.0 / fanIn);
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) (rng.nextGaussian() * std);
      }
    }
  }
}

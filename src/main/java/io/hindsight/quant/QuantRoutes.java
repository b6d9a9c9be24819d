package io.hindsight.quant;

import io.hindsight.nn.Activation;
import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Flatten;
import io.hindsight.nn.GlobalAvgPool;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Linear;
import io.hindsight.nn.Pool2d;
import io.hindsight.nn.QuantHooks;
import io.hindsight.nn.Residual;
import io.hindsight.nn.Sequential;
import io.hindsight.quant.traffic.Route;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which kernel produces each quantized tensor of a model, and whether it can quantize it: the one
 * definition of the fused dataflow, which the device wires its producers from and which every
 * quantizer's traffic is charged by ({@link Route}).
 *
 * <p>Forward: in a sequence, layer i produces the input of layer i + 1 (a flatten in between is a
 * view). Activations, batch norms, max pools, global average pools and residual blocks whose
 * post-activation is an {@link Activation} (or absent) can write the codes of the quantized layer
 * they feed. A residual block's input also feeds the block's identity sum, so its producer keeps
 * the floats too; with a shortcut convolution instead, a residual block producing the input (its sum
 * kernel) writes a second set of codes for the shortcut's quantizer and no floats, and any other
 * producer keeps the floats, which the shortcut's quantizer reads. The model's input is data: the
 * quantized layer that reads it first (at the head of the model's sequences, past a flatten) computes no input
 * gradient, so its input needs no STE mask and its weights no transposed codes
 * ({@link #inputGradient}), and when that layer is the input's only reader the host quantizes the
 * batch as it uploads it ({@link Route.Feed#HOST}).
 * Backward: layer i + 1's backward produces the gradient arriving at layer i; activations and batch
 * norms can write its codes, the loss gradient writes the codes of the model's last layer. Every
 * other producer (dropout, average pool, a residual block's input gradient, which sums two
 * branches) writes floats that a pass then quantizes.
 */
public final class QuantRoutes {
  /**
   * Where one quantized activation or gradient comes from.
   *
   * @param producer the layer whose kernel writes the codes, or null (the loss gradient, or a
   *     producer that writes floats)
   * @param loss whether the loss gradient's kernel writes them
   * @param route the traffic route
   */
  public record Source(Layer producer, boolean loss, Route route) {}

  private final Map<TensorQuantizer, Source> sources = new IdentityHashMap<>();
  private final Layer inputLayer; // the quantized layer reading the model's input, or null

  private QuantRoutes(Layer inputLayer) {
    this.inputLayer = inputLayer;
  }

  /** Analyses the model under {@code root}. */
  public static QuantRoutes of(Layer root) {
    QuantRoutes r = new QuantRoutes(inputLayer(root));
    r.walk(root);
    Consumer input = inputConsumer(root);
    LayerQuantHooks first = input == null ? null : input.hooks();
    if (first != null && first.activationQuantizer() != null) {
      boolean inputGradient = r.inputLayer == null || hooks(r.inputLayer) != first;
      // the host quantizes the batch as it uploads it when the quantized layer is its only reader
      // and no gradient of it (no STE mask) is wanted
      boolean host = !inputGradient && !input.floatsNeeded() && input.shortcut() == null;
      r.put(first.activationQuantizer(), null, false, host ? Route.Feed.HOST : Route.Feed.EXISTING_FLOATS,
          inputGradient);
    }
    LayerQuantHooks last = lastGradient(root);
    if (last != null && last.gradientQuantizer() != null) {
      r.put(last.gradientQuantizer(), null, true, Route.Feed.PRODUCER);
    }
    return r;
  }

  /** Analyses the model and sets every quantizer's {@link TensorQuantizer#route}. */
  public static QuantRoutes apply(Layer root) {
    QuantRoutes r = of(root);
    r.forEachLayer(root);
    return r;
  }

  /** The source of an activation or gradient quantizer of this model (never null for one of its quantizers). */
  public Source source(TensorQuantizer q) {
    Source s = sources.get(q);
    if (s == null) {
      throw new IllegalArgumentException(q.name() + " is not an activation or gradient quantizer of this model");
    }
    return s;
  }

  /** Every activation and gradient quantizer's source. */
  public Map<TensorQuantizer, Source> sources() {
    return new IdentityHashMap<>(sources);
  }

  private void put(TensorQuantizer q, Layer producer, boolean loss, Route.Feed feed) {
    put(q, producer, loss, feed, true);
  }

  /** As {@link #put(TensorQuantizer, Layer, boolean, Route.Feed)}; {@code inputGradient}: a gradient is computed for the tensor (its STE mask is used). */
  private void put(TensorQuantizer q, Layer producer, boolean loss, Route.Feed feed, boolean inputGradient) {
    boolean mask = inputGradient && q.kind() == io.hindsight.quant.config.QuantKind.ACTIVATION && q.spec().steClip();
    sources.put(q, new Source(producer, loss, new Route(feed, mask, Route.WeightCopy.NONE)));
  }

  /**
   * Whether quantized layer {@code l} computes its input gradient: every layer but the one reading
   * the model's input (a gradient of the data is not needed).
   */
  public boolean inputGradient(Layer l) {
    return l != inputLayer;
  }

  /** The quantized layer at the head of the model's sequences, which reads the model's input, or null. */
  private static Layer inputLayer(Layer l) {
    if (hooks(l) != null) {
      return l;
    }
    return l instanceof Sequential s && !s.children().isEmpty() ? inputLayer(pastFlatten(s)) : null;
  }

  /** The quantized layer's hooks wanting the model's input (at the head of its sequences), or null. */
  private static Consumer inputConsumer(Layer l) {
    return l instanceof Sequential s && !s.children().isEmpty() ? inputConsumer(pastFlatten(s)) : firstInput(l);
  }

  /** A sequence's first layer, or its second when the first is a flatten (a view: the input passes through). */
  private static Layer pastFlatten(Sequential s) {
    List<Layer> ls = s.children();
    return ls.get(0) instanceof Flatten && ls.size() > 1 ? ls.get(1) : ls.get(0);
  }

  /**
   * The quantized layer's hooks wanting a layer's input, whether its floats are also read, and the
   * hooks of a residual block's shortcut convolution quantizing the same input (null: none), whose
   * quantizer reads the floats unless the producer writes its codes too.
   */
  private record Consumer(LayerQuantHooks hooks, boolean floatsNeeded, LayerQuantHooks shortcut) {
    Consumer(LayerQuantHooks hooks) {
      this(hooks, false, null);
    }
  }

  private void walk(Layer layer) {
    if (layer instanceof Sequential s) {
      List<Layer> ls = s.children();
      for (Layer c : ls) {
        walk(c);
      }
      for (int i = 0; i + 1 < ls.size(); i++) {
        int j = i + 1;
        if (ls.get(j) instanceof Flatten && j + 1 < ls.size()) {
          j++; // a view: the codes pass through it
        }
        Consumer in = firstInput(ls.get(j));
        boolean view = ls.get(i) instanceof Flatten && i > 0; // the layer before it produced the tensor
        if (in != null && in.hooks().activationQuantizer() != null && !view) {
          Layer producer = outputProducer(ls.get(i));
          // only a residual block's sum kernel writes two sets of codes
          boolean shortcutCodes = in.shortcut() != null && producer instanceof Residual;
          boolean floats = in.floatsNeeded() || (in.shortcut() != null && !shortcutCodes);
          Route.Feed feed = producer != null
              ? (floats ? Route.Feed.PRODUCER_KEEPS_FLOATS : Route.Feed.PRODUCER)
              : (floats ? Route.Feed.EXISTING_FLOATS : Route.Feed.WRITTEN_FOR_QUANTIZER);
          put(in.hooks().activationQuantizer(), producer, false, feed);
          if (shortcutCodes) {
            put(in.shortcut().activationQuantizer(), producer, false, Route.Feed.PRODUCER_SECOND_CODES);
          }
        }
        LayerQuantHooks grad = lastGradient(ls.get(i));
        if (grad != null && grad.gradientQuantizer() != null) {
          Layer producer = j == i + 1 ? gradientProducer(ls.get(j)) : null;
          put(grad.gradientQuantizer(), producer, false,
              producer != null ? Route.Feed.PRODUCER : Route.Feed.WRITTEN_FOR_QUANTIZER);
        }
      }
    } else if (layer instanceof Residual r) {
      walk(r.main());
      if (r.shortcut() != null) {
        walk(r.shortcut());
        Consumer sc = firstInput(r.shortcut());
        if (sc != null && sc.hooks().activationQuantizer() != null) {
          // until the sequence around the block finds a producer writing its codes (walk above)
          put(sc.hooks().activationQuantizer(), null, false, Route.Feed.EXISTING_FLOATS);
        }
      }
      // gradients arriving at the last layers of the branches come from the block's backward (not fused)
      for (Layer branch : new Layer[] {r.main(), r.shortcut()}) {
        LayerQuantHooks g = branch == null ? null : lastGradient(branch);
        if (g != null && g.gradientQuantizer() != null && !sources.containsKey(g.gradientQuantizer())) {
          put(g.gradientQuantizer(), null, false, Route.Feed.WRITTEN_FOR_QUANTIZER);
        }
      }
    }
  }

  /** The quantization hooks of a Linear/Conv2d, or null when it is not quantized. */
  public static LayerQuantHooks hooks(Layer l) {
    QuantHooks h = l instanceof Linear lin ? lin.quantHooks() : l instanceof Conv2d c ? c.quantHooks() : null;
    return h instanceof LayerQuantHooks lq ? lq : null;
  }

  private static Consumer firstInput(Layer l) {
    LayerQuantHooks h = hooks(l);
    if (h != null) {
      return new Consumer(h);
    }
    if (l instanceof Sequential s) {
      return s.children().isEmpty() ? null : firstInput(s.children().get(0));
    }
    if (l instanceof Residual r) {
      Consumer main = firstInput(r.main());
      if (main == null) {
        return null;
      }
      Consumer sc = r.shortcut() == null ? null : firstInput(r.shortcut());
      boolean codes = sc != null && sc.hooks().activationQuantizer() != null && !sc.floatsNeeded()
          && sc.shortcut() == null;
      // the identity sum, a shortcut that does not begin with a quantized layer, and blocks nested at
      // the start of a branch read the floats
      boolean floats = !codes || main.floatsNeeded() || main.shortcut() != null;
      return new Consumer(main.hooks(), floats, codes && !floats ? sc.hooks() : null);
    }
    return null;
  }

  /** The layer whose forward kernel can quantize a composite's output, or null. */
  private static Layer outputProducer(Layer l) {
    if (l instanceof Sequential s) {
      return s.children().isEmpty() ? null : outputProducer(s.children().get(s.children().size() - 1));
    }
    boolean can = l instanceof Activation || l instanceof BatchNorm2d || l instanceof GlobalAvgPool
        || (l instanceof Pool2d p && p.kind() == Pool2d.Kind.MAX)
        || (l instanceof Residual r && (r.post() == null || r.post() instanceof Activation));
    return can ? l : null;
  }

  /** The hooks of the quantized layer a composite ends with (the gradient arriving at it), or null. */
  static LayerQuantHooks lastGradient(Layer l) {
    LayerQuantHooks h = hooks(l);
    if (h != null) {
      return h;
    }
    if (l instanceof Sequential s) {
      return s.children().isEmpty() ? null : lastGradient(s.children().get(s.children().size() - 1));
    }
    return null;
  }

  /** The layer whose backward kernel can quantize the gradient leaving a composite's input, or null. */
  private static Layer gradientProducer(Layer l) {
    if (l instanceof Sequential s) {
      return s.children().isEmpty() ? null : gradientProducer(s.children().get(0));
    }
    return l instanceof Activation || l instanceof BatchNorm2d ? l : null;
  }

  /** Sets the routes of every quantizer under {@code l}: sources for activations and gradients, copies for weights. */
  private void forEachLayer(Layer l) {
    LayerQuantHooks h = hooks(l);
    if (h != null) {
      for (TensorQuantizer q : new TensorQuantizer[] {h.activationQuantizer(), h.gradientQuantizer()}) {
        if (q != null) {
          Source s = sources.get(q);
          if (s != null) {
            q.route(s.route());
          }
        }
      }
      TensorQuantizer w = h.weightQuantizer();
      if (w != null) {
        boolean dense = l instanceof Linear || ((Conv2d) l).groups() == 1;
        Route.WeightCopy copy = !dense || !inputGradient(l) ? Route.WeightCopy.NONE
            : w.spec().perChannel() ? Route.WeightCopy.REQUANTIZED : Route.WeightCopy.TRANSPOSED;
        w.route(new Route(Route.Feed.EXISTING_FLOATS, false, copy));
      }
    }
    for (Layer c : l.children()) {
      forEachLayer(c);
    }
  }
}

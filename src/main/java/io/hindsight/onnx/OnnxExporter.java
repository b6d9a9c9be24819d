package io.hindsight.onnx;

import io.hindsight.model.Model;
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
import io.hindsight.nn.QuantHooks;
import io.hindsight.nn.Residual;
import io.hindsight.nn.Sequential;
import io.hindsight.quant.LayerQuantHooks;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.tensor.Tensor;
import io.hindsight.train.BuildInfo;
import java.util.Map;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;

/**
 * Writes a model's evaluation-mode forward as an ONNX graph (opset {@value #OPSET}), one node per
 * layer named after the layer (docs/onnx.md has the whole mapping):
 * <ul>
 *   <li>input {@value #INPUT} {@code (N, C, H, W)} float32, the pixels divided by 255; the training
 *       normalization ({@link GraphInput}) is the graph's first nodes {@code normalize/sub} and
 *       {@code normalize/div}; output {@value #OUTPUT} {@code (N, classes)};
 *   <li>Conv2d as {@code Conv}, Linear as {@code Gemm} ({@code transB = 1}), BatchNorm2d as
 *       {@code BatchNormalization} with the running statistics (not folded: folding would change the
 *       weights that were quantized), ReLU as {@code Relu}, ReLU6 as {@code Clip(0, 6)}, pools as
 *       {@code MaxPool}/{@code AveragePool}/{@code GlobalAveragePool}, a residual sum as {@code Add};
 *       dropout is the identity in evaluation and has no node;
 *   <li>quantized layers (a {@link LayerQuantHooks} with quantizers) in QDQ form: the weights as
 *       INT8 codes with per-channel ({@code axis = 0}) or per-tensor scale and zero point and a
 *       {@code DequantizeLinear}; the input activation through {@code QuantizeLinear} and
 *       {@code DequantizeLinear} with the range the activation quantizer uses in evaluation (preceded
 *       by a {@code Clip} to the grid's representable range where int8 saturation is wider, e.g. the
 *       symmetric grid {@code [-127, 127]}). Layers without quantizers stay float.
 * </ul>
 */
public final class OnnxExporter {
  public static final int OPSET = 13;
  /** The IR version that goes with opset 13. */
  public static final long IR_VERSION = 7;
  public static final String INPUT = "images";
  public static final String OUTPUT = "logits";

  private final GraphBuilder g = new GraphBuilder();

  private OnnxExporter() {}

  /**
   * The ONNX model of {@code model} as its evaluation-mode forward computes it.
   *
   * @param input the input convention (normalization inside the graph)
   * @param metadata key-value pairs stored in the model's {@code metadata_props} (e.g. job id, spec)
   * @throws OnnxExportException when a layer or quantizer has no faithful ONNX form
   */
  public static ModelProto export(Model model, GraphInput input, Map<String, String> metadata) {
    OnnxExporter e = new OnnxExporter();
    String x = INPUT;
    if (input.normalizes()) {
      String mean = e.g.floats("normalize/mean", new float[] {input.mean()});
      String std = e.g.floats("normalize/std", new float[] {input.std()});
      x = e.g.node("normalize/sub", "Sub", x, mean).getName();
      x = e.g.node("normalize/div", "Div", x, std).getName();
    }
    String out = e.layer(model.root(), x);
    if (out.equals(x)) {
      throw new OnnxExportException("model " + model.arch() + " has no layer that computes anything");
    }
    e.g.renameValue(out, OUTPUT);
    int[] shape = model.inputShape();
    ModelProto.Builder m = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("hindsight")
        .setProducerVersion(BuildInfo.version())
        .setDocString("Hindsight " + model.arch() + ": input " + INPUT + " (N, " + shape[0] + ", " + shape[1] + ", "
            + shape[2] + ") float32 pixels / 255, output " + OUTPUT + " (N, " + model.classes() + ")")
        .setGraph(e.g.build(model.arch(), GraphBuilder.batchOfFloats(INPUT, shape),
            GraphBuilder.batchOfFloats(OUTPUT, model.classes())));
    metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return m.build();
  }

  /** Emits the nodes of {@code l} reading value {@code x}; returns the value it produces. */
  private String layer(Layer l, String x) {
    if (l instanceof Sequential) {
      for (Layer c : l.children()) {
        x = layer(c, x);
      }
      return x;
    }
    if (l instanceof Residual r) {
      String main = layer(r.main(), x);
      String shortcut = r.shortcut() == null ? x : layer(r.shortcut(), x);
      String sum = g.node(r.name() + "/add", "Add", main, shortcut).getName();
      return r.post() == null ? sum : layer(r.post(), sum);
    }
    if (l instanceof Conv2d c) {
      return conv(c, x);
    }
    if (l instanceof Linear fc) {
      return gemm(fc, x);
    }
    if (l instanceof BatchNorm2d bn) {
      return g.node(bn.name(), "BatchNormalization", x, param(bn.gamma()), param(bn.beta()),
              g.floats(bn.name() + ".runningMean", bn.runningMean().data(), dims(bn.runningMean())),
              g.floats(bn.name() + ".runningVar", bn.runningVar().data(), dims(bn.runningVar())))
          .addAttribute(GraphBuilder.real("epsilon", bn.eps())).getName();
    }
    if (l instanceof Activation a) {
      if (a.upper() == Float.POSITIVE_INFINITY) {
        return g.node(a.name(), "Relu", x).getName();
      }
      return g.node(a.name(), "Clip", x, g.floats(a.name() + "/min", new float[] {0f}),
          g.floats(a.name() + "/max", new float[] {a.upper()})).getName();
    }
    if (l instanceof Pool2d p) {
      var n = g.node(p.name(), p.kind() == Pool2d.Kind.MAX ? "MaxPool" : "AveragePool", x)
          .addAttribute(GraphBuilder.ints("kernel_shape", p.kernel(), p.kernel()))
          .addAttribute(GraphBuilder.ints("strides", p.stride(), p.stride()))
          .addAttribute(GraphBuilder.ints("pads", p.padding(), p.padding(), p.padding(), p.padding()));
      if (p.kind() == Pool2d.Kind.AVG) {
        n.addAttribute(GraphBuilder.integer("count_include_pad", 1)); // our average divides by kernel²
      }
      return n.getName();
    }
    if (l instanceof GlobalAvgPool gap) {
      String pooled = g.node(gap.name() + "/pool", "GlobalAveragePool", x).getName();
      return g.node(gap.name(), "Flatten", pooled).addAttribute(GraphBuilder.integer("axis", 1)).getName();
    }
    if (l instanceof Flatten f) {
      return g.node(f.name(), "Flatten", x).addAttribute(GraphBuilder.integer("axis", 1)).getName();
    }
    if (l instanceof Dropout) {
      return x; // the identity in evaluation
    }
    throw new OnnxExportException("layer " + l.name() + " (" + l.getClass().getSimpleName() + ") has no ONNX form");
  }

  private String conv(Conv2d c, String x) {
    QuantHooks q = c.quantHooks();
    String in = activation(q, x);
    String w = weight(q, c.name(), c.weight().value());
    var n = c.bias() == null ? g.node(c.name(), "Conv", in, w) : g.node(c.name(), "Conv", in, w, param(c.bias()));
    return n.addAttribute(GraphBuilder.ints("kernel_shape", c.kernel(), c.kernel()))
        .addAttribute(GraphBuilder.ints("strides", c.stride(), c.stride()))
        .addAttribute(GraphBuilder.ints("pads", c.padding(), c.padding(), c.padding(), c.padding()))
        .addAttribute(GraphBuilder.ints("dilations", 1, 1))
        .addAttribute(GraphBuilder.integer("group", c.groups())).getName();
  }

  private String gemm(Linear fc, String x) {
    QuantHooks q = fc.quantHooks();
    String in = activation(q, x);
    String w = weight(q, fc.name(), fc.weight().value());
    var n = fc.bias() == null ? g.node(fc.name(), "Gemm", in, w) : g.node(fc.name(), "Gemm", in, w, param(fc.bias()));
    return n.addAttribute(GraphBuilder.integer("transB", 1)).getName();
  }

  /** The layer's input as its product sees it: {@code x}, or {@code x} through the activation quantizer's QDQ pair. */
  private String activation(QuantHooks hooks, String x) {
    TensorQuantizer q = hooks instanceof LayerQuantHooks h ? h.activationQuantizer() : null;
    if (q == null) {
      return x;
    }
    QuantParams p = QuantizedTensors.activation(q);
    String prefix = q.name(); // <layer>/activation, as in ranges.csv
    String scale = g.floats(prefix + "/scale", QuantizedTensors.scales(p));
    String zero = g.int8s(prefix + "/zero_point", QuantizedTensors.zeroPoints(p));
    String in = x;
    if (QuantizedTensors.needsClip(p, 0)) {
      in = g.node(prefix + "/clip", "Clip", x, g.floats(prefix + "/clip_min", new float[] {p.representableMin(0)}),
          g.floats(prefix + "/clip_max", new float[] {p.representableMax(0)})).getName();
    }
    String codes = g.node(prefix + "/quantize", "QuantizeLinear", in, scale, zero).getName();
    return g.node(prefix + "/dequantize", "DequantizeLinear", codes, scale, zero).getName();
  }

  /** The weights as the layer's product sees them: a float initializer, or INT8 codes and their DequantizeLinear. */
  private String weight(QuantHooks hooks, String layer, Tensor w) {
    TensorQuantizer q = hooks instanceof LayerQuantHooks h ? h.weightQuantizer() : null;
    if (q == null) {
      return g.floats(layer + ".weight", w.data(), dims(w));
    }
    QuantizedTensors.Weights qw = QuantizedTensors.weights(q, w);
    QuantParams p = qw.params();
    String prefix = q.name(); // <layer>/weight
    boolean perChannel = p.channels() > 1 || q.spec().perChannel();
    long[] paramDims = perChannel ? new long[] {p.channels()} : new long[0];
    String codes = g.int8s(layer + ".weight", qw.codes(), dims(w));
    String scale = g.floats(prefix + "/scale", QuantizedTensors.scales(p), paramDims);
    String zero = g.int8s(prefix + "/zero_point", QuantizedTensors.zeroPoints(p), paramDims);
    var dq = g.node(prefix + "/dequantize", "DequantizeLinear", codes, scale, zero);
    if (perChannel) {
      dq.addAttribute(GraphBuilder.integer("axis", 0)); // output channels: Conv (O, I/g, kH, kW), Gemm (out, in)
    }
    return dq.getName();
  }

  private String param(Parameter p) {
    return g.floats(p.name(), p.value().data(), dims(p.value()));
  }

  private static long[] dims(Tensor t) {
    int[] s = t.shape();
    long[] d = new long[s.length];
    for (int i = 0; i < s.length; i++) {
      d[i] = s[i];
    }
    return d;
  }
}

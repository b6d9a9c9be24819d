package io.hindsight.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * Collects the nodes and initializers of one ONNX graph as protobuf messages (the classes protoc
 * generates from ONNX's {@code onnx.proto}). Every node and initializer name must be new: a clash
 * means two layers would share a name, which is an error rather than a silent overwrite.
 */
final class GraphBuilder {
  private final List<NodeProto.Builder> nodes = new ArrayList<>();
  private final List<TensorProto> initializers = new ArrayList<>();
  private final Set<String> nodeNames = new HashSet<>();
  private final Set<String> valueNames = new HashSet<>();

  /** Adds node {@code name} of type {@code op}; its output value is named after the node. */
  NodeProto.Builder node(String name, String op, String... inputs) {
    if (!nodeNames.add(name)) {
      throw new IllegalStateException("two ONNX nodes named " + name);
    }
    claimValue(name);
    NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addOutput(name);
    for (String in : inputs) {
      n.addInput(in);
    }
    nodes.add(n);
    return n;
  }

  /** Renames the value {@code from} to {@code to} wherever a node produces or reads it. */
  void renameValue(String from, String to) {
    claimValue(to);
    for (NodeProto.Builder n : nodes) {
      for (int i = 0; i < n.getOutputCount(); i++) {
        if (n.getOutput(i).equals(from)) {
          n.setOutput(i, to);
        }
      }
      for (int i = 0; i < n.getInputCount(); i++) {
        if (n.getInput(i).equals(from)) {
          n.setInput(i, to);
        }
      }
    }
  }

  /** A float32 initializer of the given shape (an empty shape is a scalar). */
  String floats(String name, float[] values, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return initializer(name, TensorProto.DataType.FLOAT, ByteString.copyFrom(b.array()), values.length, dims);
  }

  /** An int8 initializer of the given shape (an empty shape is a scalar). */
  String int8s(String name, byte[] values, long... dims) {
    return initializer(name, TensorProto.DataType.INT8, ByteString.copyFrom(values), values.length, dims);
  }

  private String initializer(String name, TensorProto.DataType type, ByteString raw, int count, long... dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    if (n != count) {
      throw new IllegalArgumentException(name + ": " + count + " values for a tensor of " + n);
    }
    claimValue(name);
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(raw);
    for (long d : dims) {
      t.addDims(d);
    }
    initializers.add(t.build());
    return name;
  }

  private void claimValue(String name) {
    if (!valueNames.add(name)) {
      throw new IllegalStateException("two ONNX values named " + name);
    }
  }

  static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  static AttributeProto real(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  /** A float32 graph input or output whose first dimension is the symbolic batch size {@code N}. */
  static ValueInfoProto batchOfFloats(String name, int... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
    for (int d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
  }

  GraphProto build(String name, ValueInfoProto input, ValueInfoProto output) {
    GraphProto.Builder g = GraphProto.newBuilder().setName(name).addInput(input).addOutput(output)
        .addAllInitializer(initializers);
    for (NodeProto.Builder n : nodes) {
      g.addNode(n);
    }
    return g.build();
  }
}

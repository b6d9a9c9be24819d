package io.hindsight.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.hindsight.model.Model;
import io.hindsight.tensor.Tensor;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One of our {@link Model}s executed by DJL's PyTorch engine (libtorch, CPU, FP32): the
 * independent reference our layers and training steps are checked against, and the
 * {@code --engine djl} baseline.
 *
 * <p>The model's parameters and BatchNorm buffers are copied once into persistent libtorch arrays
 * (later changes to the source model are not seen); the layer tree is interpreted with libtorch
 * ops by {@link DjlLayerExecutor}, gradients come from libtorch autograd, and SGD updates follow
 * our {@link io.hindsight.optim.Sgd} semantics. {@link #copyTo} writes the state back.
 *
 * <p>Not thread-safe; and DJL allows one {@link GradientCollector} per process at a time, so
 * gradient computations of several instances must not overlap. Close it to free native memory.
 */
public final class DjlModel implements AutoCloseable {
  private final Model model;
  private final NDManager manager;
  private final DjlState state;
  private final DjlLayerExecutor executor;
  private final DjlSgd sgd;
  private boolean closed;

  /** A copy of {@code model} that trains with SGD (momentum, Nesterov, L2 weight decay as in torch). */
  public DjlModel(Model model, double momentum, boolean nesterov, double weightDecay) {
    DjlLayerExecutor.validate(model.root());
    this.model = model;
    this.manager = TorchRuntime.engine().newBaseManager(ai.djl.Device.cpu());
    try {
      this.state = new DjlState(manager, model);
      this.executor = new DjlLayerExecutor(state);
      this.sgd = new DjlSgd(manager, momentum, nesterov, weightDecay);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** A copy of {@code model} with plain SGD (no momentum, no weight decay). */
  public DjlModel(Model model) {
    this(model, 0, false, 0);
  }

  /**
   * One training step on a batch: forward in training mode (BatchNorm uses batch statistics and
   * updates its running statistics like PyTorch), mean softmax cross-entropy, backward, SGD update.
   *
   * @param images {@code batch * C * H * W} values, NCHW
   * @param labels {@code batch} class indices
   * @return the batch's mean loss before the update
   */
  public float trainStep(float[] images, int[] labels, int batch, double lr) {
    checkOpen();
    try (NDManager step = manager.newSubManager()) {
      NDArray x = images(step, images, batch); // (N, C, H, W)
      NDArray y = labels(step, labels, batch); // (N)
      state.zeroGradients();
      float loss = backward(x, h -> DjlCrossEntropy.meanLoss(h, y), true).getFloat();
      sgd.step(state.params(), lr, step);
      return loss;
    }
  }

  /**
   * Like {@link #trainStep} and also counts the examples whose arg-max logit is their label (the
   * train accuracy the trainer reports).
   *
   * @return {loss, correct}
   */
  public float[] trainStepCounting(float[] images, int[] labels, int batch, double lr) {
    checkOpen();
    try (NDManager step = manager.newSubManager()) {
      NDArray x = images(step, images, batch); // (N, C, H, W)
      NDArray y = labels(step, labels, batch); // (N)
      NDArray[] logits = new NDArray[1];
      state.zeroGradients();
      float loss = backward(x, h -> {
        logits[0] = h; // (N, classes)
        return DjlCrossEntropy.meanLoss(h, y);
      }, true).getFloat();
      float correct = TorchRuntime.withoutGrad(() ->
          logits[0].argMax(1).toType(ai.djl.ndarray.types.DataType.INT64, false)
              .eq(y.toType(ai.djl.ndarray.types.DataType.INT64, false)).sum().toType(
                  ai.djl.ndarray.types.DataType.FLOAT32, false).getFloat());
      sgd.step(state.params(), lr, step);
      return new float[] {loss, correct};
    }
  }

  /**
   * Forward, mean cross-entropy and backward without updating parameters (BatchNorm running
   * statistics are updated when {@code training}, as in PyTorch).
   */
  public StepResult forwardBackward(float[] images, int[] labels, int batch, boolean training) {
    checkOpen();
    try (NDManager step = manager.newSubManager()) {
      NDArray x = images(step, images, batch); // (N, C, H, W)
      NDArray y = labels(step, labels, batch); // (N)
      return result(x, h -> DjlCrossEntropy.meanLoss(h, y), training);
    }
  }

  /**
   * The vector-Jacobian product of the model's root layer at {@code x} with {@code dY}: backward
   * of {@code sum(root(x) * dY)}, i.e. exactly what our {@code Layer.backward(dY)} computes.
   * {@code x} may have any shape the root layer accepts (a single layer can be the root).
   */
  public StepResult vectorJacobian(Tensor x, Tensor dY, boolean training) {
    checkOpen();
    try (NDManager step = manager.newSubManager()) {
      NDArray in = NdConvert.toNd(step, x);
      NDArray seed = NdConvert.toNd(step, dY);
      return result(in, h -> {
        if (!h.getShape().equals(seed.getShape())) {
          throw new IllegalArgumentException("dY has shape " + seed.getShape() + " but the output is " + h.getShape());
        }
        return h.mul(seed).sum();
      }, training);
    }
  }

  /** Logits {@code (batch, classes)} in evaluation mode (BatchNorm uses running statistics). */
  public float[] predict(float[] images, int batch) {
    checkOpen();
    try (NDManager step = manager.newSubManager()) {
      return TorchRuntime.withoutGrad(() -> executor.forward(model.root(), images(step, images, batch), false)
          .toFloatArray()); // (N, classes) row-major
    }
  }

  /** The root layer's output for {@code x}, without gradients; {@code training} updates BatchNorm statistics. */
  public Tensor forward(Tensor x, boolean training) {
    checkOpen();
    try (NDManager step = manager.newSubManager()) {
      return TorchRuntime.withoutGrad(() ->
          NdConvert.toTensor(executor.forward(model.root(), NdConvert.toNd(step, x), training)));
    }
  }

  /** A copy of the current value of the parameter named {@code name}. */
  public Tensor parameter(String name) {
    checkOpen();
    return NdConvert.toTensor(state.param(name));
  }

  /** A copy of the current value of the buffer named {@code name} (e.g. {@code bn1.runningVar}). */
  public Tensor buffer(String name) {
    checkOpen();
    return NdConvert.toTensor(state.buffer(name));
  }

  /** Writes the current parameters and buffers into {@code target} (same architecture and names). */
  public void copyTo(Model target) {
    checkOpen();
    state.copyTo(target);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }

  private StepResult result(NDArray x, Function<NDArray, NDArray> lossOf, boolean training) {
    x.setRequiresGradient(true);
    state.zeroGradients();
    NDArray[] outputs = new NDArray[1];
    NDArray loss = backward(x, h -> {
      outputs[0] = h;
      return lossOf.apply(h);
    }, training);
    return new StepResult(loss.getFloat(), NdConvert.toTensor(outputs[0].stopGradient()),
        NdConvert.toTensor(x.getGradient()), state.gradients());
  }

  /** Forward of the root layer, then the scalar {@code lossOf(output)}, backpropagated. Returns the scalar. */
  private NDArray backward(NDArray x, Function<NDArray, NDArray> lossOf, boolean training) {
    try (GradientCollector collector = TorchRuntime.engine().newGradientCollector()) {
      NDArray out = executor.forward(model.root(), x, training);
      NDArray loss = lossOf.apply(out);
      collector.backward(loss);
      return loss;
    }
  }

  private NDArray images(NDManager step, float[] images, int batch) {
    int[] chw = model.inputShape();
    long per = (long) chw[0] * chw[1] * chw[2];
    if (batch <= 0 || images.length != batch * per) {
      throw new IllegalArgumentException("expected " + batch + " images of " + Arrays.toString(chw) + " = "
          + batch * per + " values but got " + images.length);
    }
    return NdConvert.toNd(step, images, batch, chw[0], chw[1], chw[2]); // (N, C, H, W)
  }

  private NDArray labels(NDManager step, int[] labels, int batch) {
    if (labels.length != batch) {
      throw new IllegalArgumentException("expected " + batch + " labels but got " + labels.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= model.classes()) {
        throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " outside [0, " + model.classes()
            + ")");
      }
    }
    return step.create(labels); // (N) int32
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("DjlModel of " + model.arch() + " is closed");
    }
  }
}

package io.hindsight.train;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.data.Batch;
import io.hindsight.device.Device;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceScratch;
import io.hindsight.device.DeviceTensor;
import io.hindsight.device.nn.DeviceModel;
import io.hindsight.device.nn.DeviceQuantization;
import io.hindsight.device.nn.DeviceParameters;
import io.hindsight.device.nn.StepContext;
import io.hindsight.model.Model;
import io.hindsight.optim.Sgd;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Our engine's step with the model resident on a CUDA device ({@code cuda} or {@code cuda-sim}):
 * parameters, gradients, momentum and BatchNorm statistics stay on the device for the whole run;
 * each step's activations live in a step scope freed when the step ends. Per training step the
 * host sends the batch (images, labels) and reads back 16 bytes once (loss sum, correct count,
 * non-finite count); everything else, loss and SGD included, runs as kernels.
 *
 * <p>Same semantics as {@link HindsightStepEngine}: a step whose loss or gradients hold NaN/Inf is
 * not applied ({@code sgd_update} skips itself on the device's non-finite count), BatchNorm
 * statistics are updated in forward either way. Parameters return to the host model only for
 * checkpoints, evaluation results and the model artifact ({@link #syncToModel}).
 *
 * <p>A quantized model runs its quantized layers as integer device layers
 * ({@link DeviceQuantization}): weights quantized at the start of the step, the images quantized
 * by the host as it uploads them when a quantized layer is their only reader, every activation and
 * gradient with a static range this step written as int8 codes by the kernel that produces it,
 * statistics recorded in those kernels and read back with the step's results in the same single
 * read-back, after which each host quantizer learns from them ({@link TensorQuantizer#complete}).
 * A quantizer with a dynamic range this step (a dynamic estimator, or a static one warming up)
 * costs a mid-step read-back of its tensor's statistics.
 */
public final class DeviceStepEngine implements StepEngine {
  private final Sgd sgd;
  private final CudaKernels k;
  private final Device device;
  private final DeviceModel dm;
  private final DeviceScope persistent;
  private final DeviceScratch scratch; // the layers' short-lived intermediates, shared across layers and steps
  private final DeviceQuantization quantization; // null for a full-precision model
  private final DeviceBuffer scalars; // double lossSum, int correct, int status (non-finite count)
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;
  private boolean firstUpdate;

  /**
   * @param quantized whether the model's quantized layers (quantization hooks from the run's
   *     quantization plan) run as integer device layers; false for a full-precision model
   * @throws IllegalArgumentException when a layer or quantizer setting has no device implementation
   */
  public DeviceStepEngine(Model model, Sgd sgd, CudaKernels kernels, double momentum, boolean nesterov,
      double weightDecay, boolean quantized) {
    this.sgd = sgd;
    this.k = kernels;
    this.device = kernels.device();
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
    this.weightDecay = (float) weightDecay;
    Map<String, Tensor> velocity = sgd.state();
    this.firstUpdate = velocity.isEmpty();
    DeviceQuantization q = quantized ? new DeviceQuantization(kernels) : null;
    DeviceModel m = null;
    DeviceScope p = null;
    try {
      m = DeviceModel.of(model, kernels, momentum != 0, q);
      m.parameters().upload(velocity);
      if (q != null) {
        q.weightsUploaded();
      }
      p = device.scope("step results");
      this.scalars = q != null ? q.results() : p.allocate(16, "loss, correct, non-finite");
    } catch (RuntimeException e) {
      closeAll(p, m, q);
      throw e;
    }
    this.dm = m;
    this.persistent = p;
    this.quantization = q;
    this.scratch = new DeviceScratch(device, "layer scratch");
  }

  /** A full-precision model's engine. */
  public DeviceStepEngine(Model model, Sgd sgd, CudaKernels kernels, double momentum, boolean nesterov,
      double weightDecay) {
    this(model, sgd, kernels, momentum, nesterov, weightDecay, false);
  }

  private static void closeAll(AutoCloseable... resources) {
    RuntimeException failure = null;
    for (AutoCloseable r : resources) {
      if (r == null) {
        continue;
      }
      try {
        r.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private DeviceBuffer lossSum() {
    return scalars.slice(0, 8);
  }

  private DeviceBuffer correct() {
    return scalars.slice(8, 4);
  }

  private DeviceBuffer status() {
    return scalars.slice(12, 4);
  }

  /** Uploads the batch, runs forward and the loss; returns the probabilities and labels for backward. */
  private DeviceTensor[] forwardAndLoss(Batch batch, boolean training, StepContext step) {
    Tensor images = batch.images();
    int n = batch.size();
    DeviceBuffer labels = step.scope().ints(n, "labels");
    labels.upload(batch.labels());
    if (quantization != null) {
      quantization.beginStep(training);
      quantization.quantizeWeights();
    }
    DeviceQuantization.ActivationQuantizer in = dm.inputQuantizer();
    DeviceTensor x;
    if (in != null) {
      x = in.upload(images, step); // the codes: the host quantizes the batch, its floats stay on the host
    } else {
      x = DeviceTensor.floats(step.scope(), "images", images.shape());
      x.buffer().upload(images.data());
    }
    k.fill(status(), 1, 0);
    DeviceTensor logits = dm.forward(x, training, step);
    int classes = logits.dim(1);
    DeviceTensor probs = step.floats("probabilities", n, classes);
    DeviceBuffer rowLoss = step.scope().doubles(n, "row losses");
    DeviceBuffer rowCorrect = step.scope().ints(n, "row correct");
    k.softmaxXentForward(logits.buffer(), labels, n, classes, probs.buffer(), rowLoss, rowCorrect);
    k.reduceLoss(rowLoss, rowCorrect, n, lossSum(), correct(), status());
    return new DeviceTensor[] {probs, DeviceTensor.of(labels, DeviceTensor.DType.I32, n)};
  }

  /**
   * The step's one read-back: loss sum, correct count, non-finite count (with the quantizers'
   * statistics when quantized: each quantizer then learns from them; gradient quantizers only when
   * the loss was finite, as the CPU engine skips backward otherwise).
   */
  private ByteBuffer readScalars() {
    if (quantization != null) {
      return quantization.endStep(b -> Double.isFinite(b.getDouble(0)));
    }
    byte[] b = new byte[16];
    scalars.download(b);
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * dLogits {@code (N, classes)}: as int8 codes written by the loss-gradient kernel when the last
   * quantized layer's gradient quantizer has a static range this step, else in full precision.
   */
  private DeviceTensor lossGradient(DeviceTensor probs, DeviceTensor labels, StepContext step) {
    int n = probs.dim(0);
    int classes = probs.dim(1);
    DeviceQuantization.ActivationQuantizer g = dm.outputGradientQuantizer();
    DeviceQuantization.ActivationQuantizer.Fused f = g == null ? null : g.fusedTarget(step, (long) n * classes);
    if (f != null) {
      k.softmaxBackwardQuant(probs.buffer(), labels.buffer(), n, classes, null, f.out());
      return DeviceTensor.codes(f.form(), n, classes);
    }
    DeviceTensor dLogits = step.floats("dLogits", probs.shape());
    k.softmaxXentBackward(probs.buffer(), labels.buffer(), n, classes, dLogits.buffer());
    return dLogits;
  }

  @Override
  public StepOutcome trainStep(Batch batch, double lr) {
    int n = batch.size();
    try (DeviceScope scope = device.scope("step")) {
      StepContext step = new StepContext(k, scope, scratch);
      DeviceTensor[] pl = forwardAndLoss(batch, true, step);
      DeviceTensor probs = pl[0];
      dm.backward(lossGradient(probs, pl[1], step), step);
      DeviceParameters p = dm.parameters();
      k.countNonFinite(p.flatGradients(), p.flatSize(), status());
      if (quantization != null) {
        // the update also records the new weights' statistics for the next step's weight quantizers
        k.sgdUpdateStats(p.flatValues(), p.flatGradients(), p.flatVelocity(), (float) lr, momentum, nesterov,
            weightDecay, firstUpdate, status(), quantization.sgdSegments(p.flatValues(), p.flatSize()),
            quantization.statistics());
        quantization.optimizerRecorded();
      } else {
        k.sgdUpdate(p.flatValues(), p.flatGradients(), p.flatVelocity(), p.flatSize(), (float) lr, momentum, nesterov,
            weightDecay, firstUpdate, status());
      }
      ByteBuffer r = readScalars();
      float loss = (float) (r.getDouble(0) / n);
      int correct = r.getInt(8);
      int nonFinite = r.getInt(12);
      if (!Float.isFinite(loss)) {
        return new StepOutcome(loss, correct, false);
      }
      if (nonFinite > 0) {
        return new StepOutcome(Float.NaN, correct, false);
      }
      firstUpdate = false;
      return new StepOutcome(loss, correct, true);
    }
  }

  @Override
  public StepOutcome evaluate(Batch batch) {
    try (DeviceScope scope = device.scope("evaluation")) {
      forwardAndLoss(batch, false, new StepContext(k, scope, scratch));
      ByteBuffer r = readScalars();
      double sum = r.getDouble(0);
      int n = batch.size();
      // the CPU engine reports float(mean) * n: the same rounding here
      return new StepOutcome((double) (float) (sum / n) * n, r.getInt(8), true);
    }
  }

  /** Copies parameters, BatchNorm statistics and (once the first update happened) momentum to the host. */
  @Override
  public void syncToModel() {
    Map<String, Tensor> v = dm.parameters().downloadTo();
    if (v != null && !firstUpdate) {
      sgd.restore(v);
    }
  }

  @Override
  public void close() {
    closeAll(scratch, persistent, dm, quantization);
  }
}

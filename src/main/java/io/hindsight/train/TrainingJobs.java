package io.hindsight.train;

import io.hindsight.backend.Backend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.data.DatasetLoader;
import io.hindsight.spec.ResolvedSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * The one place that turns a validated spec into a ready {@link Trainer}: loads its data, picks
 * the engine (ours or the DJL baseline) and the plugins the spec asks for (e.g. quantization).
 * The command line and the HTTP service both start runs here, so a job behaves the same wherever
 * it is submitted.
 */
public final class TrainingJobs {
  private TrainingJobs() {}

  /**
   * @param checkpointFile where to write checkpoints, or null for none; its directory is the run
   *     directory that also receives {@code ranges.csv} and {@code traffic.csv}
   * @param resume checkpoint to continue from, or null
   * @param cancelled polled before every step
   */
  public static Trainer newTrainer(ResolvedSpec spec, Backend backend, TrainingListener listener,
      Path checkpointFile, Checkpoint resume, BooleanSupplier cancelled) throws IOException {
    DatasetLoader.Splits data = TrainingData.load(spec);
    Trainer.Builder b = Trainer.builder()
        .spec(spec)
        .backend(backend)
        .data(data)
        .listener(listener == null ? TrainingListener.NONE : listener)
        .checkpointFile(checkpointFile)
        .resumeFrom(resume)
        .cancelled(cancelled == null ? () -> false : cancelled);
    RunHealth health = new RunHealth(listener, data.train().classes());
    if (spec.quantized()) {
      Path runDir = checkpointFile == null ? null : checkpointFile.toAbsolutePath().getParent();
      QuantizationPlugin quantization = new QuantizationPlugin(spec.quantization(), spec.training().seed(), runDir,
          spec.output().rangeEvery());
      quantization.plan().addListener(health);
      b.plugin(quantization);
    }
    b.plugin(health);
    configureEngine(b, spec, backend, listener == null ? TrainingListener.NONE : listener);
    return b.build();
  }

  private static void configureEngine(Trainer.Builder b, ResolvedSpec spec, Backend backend,
      TrainingListener listener) {
    if ("djl".equals(spec.engine())) {
      var t = spec.training();
      b.engineFactory((s, model, sgd) ->
          new DjlStepEngine(model, t.momentum(), t.nesterov(), t.weightDecay(), backend.threads()));
      // start libtorch with the run's thread count first: describing it would otherwise start it with its defaults
      io.hindsight.djl.TorchRuntime.engine(backend.threads());
      b.version("libtorch", io.hindsight.djl.TorchRuntime.describe());
    } else if (backend instanceof CudaBackend cuda) {
      // the model lives on the device for the whole run; quantized layers run as integer device layers
      var t = spec.training();
      b.engineFactory((s, model, sgd) -> {
        try {
          return new DeviceStepEngine(model, sgd, cuda.kernels(), t.momentum(), t.nesterov(), t.weightDecay(),
              s.quantized());
        } catch (IllegalArgumentException e) {
          if (!s.quantized()) {
            throw e;
          }
          // a quantizer setting the integer device path does not implement: same training, host quantizers
          listener.onWarning("the device-resident INT8 path does not run this spec (" + e.getMessage()
              + "); quantizing on the host instead, with every quantized operand crossing PCIe");
          return new HindsightStepEngine(model, sgd);
        }
      });
    }
  }
}

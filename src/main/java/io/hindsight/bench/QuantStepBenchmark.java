package io.hindsight.bench;

import io.hindsight.backend.Backend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.quant.QuantRoutes;
import io.hindsight.quant.QuantizationPlan;
import io.hindsight.quant.QuantizationRecord;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.traffic.Route;
import io.hindsight.quant.traffic.TrafficTotals;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cost of fully quantized training on a backend (CPU, or the CUDA backend): step time of the same model and batch
 * in FP32, INT8 with in-hindsight ranges (static) and INT8 with current min-max ranges (dynamic),
 * measured in interleaved rounds in one process so all three see the same machine load; plus the
 * memory traffic each quantized scheme moves per step and per epoch of {@code epochExamples}
 * (the accelerator model of docs/memory-traffic.md; bytes depend only on tensor shapes). The epoch
 * is charged step by step: the steps the benchmark ran as they ran (a static estimator's dynamic
 * warm-up steps included), every later step as the last one.
 */
public final class QuantStepBenchmark {
  private static final int[] INPUT = {1, 28, 28};
  private static final double LR = 0.01;

  private QuantStepBenchmark() {}

  /** One configuration under test. */
  private static final class Variant {
    final String name;
    final Model model;
    final Sgd sgd;
    final QuantizationPlan plan;
    final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    long nanos;
    long step;
    final List<TrafficTotals> perStep = new ArrayList<>();

    Variant(String name, String arch, Backend backend, String quantJson) {
      this.name = name;
      this.plan = quantJson == null ? null : QuantizationPlan.create(QuantConfigReader.read(quantJson), 42);
      QuantHooksProvider hooks = plan == null ? QuantHooksProvider.NONE : plan;
      this.model = new ModelFactory(backend, hooks, new Rng(0))
          .build(arch, 1.0, 0.0, INPUT, 10, new Rng(42));
      if (plan != null) {
        QuantRoutes.apply(model.root()); // each quantizer charged as the device runs it, as in training
      }
      this.sgd = new Sgd(model.parameters(), 0.9, false, 5e-4);
    }

    void step(Tensor x, int[] labels, boolean timed) {
      long t0 = System.nanoTime();
      if (plan != null) {
        plan.beginStep(step);
      }
      Tensor logits = model.forward(x, true);
      loss.forward(logits, labels);
      model.backward(loss.backward());
      sgd.step(LR);
      if (plan != null) {
        perStep.add(plan.traffic().step());
      }
      step++;
      if (timed) {
        nanos += System.nanoTime() - t0;
      }
    }
  }

  public static void run(String arch, int batch, int warmup, int iters, Backend backend, int epochExamples,
      PrintStream out) {
    Rng data = new Rng(7);
    float[] images = new float[batch * 28 * 28];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) data.nextGaussian();
    }
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = data.nextInt(10);
    }
    Tensor x = Tensor.of(images, batch, 1, 28, 28);
    List<Variant> vs = new ArrayList<>();
    vs.add(new Variant("fp32", arch, backend, null));
    vs.add(new Variant("int8 hindsight-minmax", arch, backend,
        "{\"activations\":{\"estimator\":\"hindsight-minmax\"},\"gradients\":{\"estimator\":\"hindsight-minmax\"}}"));
    vs.add(new Variant("int8 current-minmax", arch, backend,
        "{\"activations\":{\"estimator\":\"current-minmax\"},\"gradients\":{\"estimator\":\"current-minmax\"}}"));
    out.printf(Locale.ROOT, "quant-step benchmark: %s, batch %d, %d warmup + %d timed steps each (interleaved), %s backend (%s), %d threads%n",
        arch, batch, warmup, iters, backend.name(), backend.device(), backend.threads());
    for (int i = 0; i < warmup; i++) {
      for (Variant v : vs) {
        v.step(x, labels, false);
      }
    }
    for (int i = 0; i < iters; i++) {
      for (Variant v : vs) {
        v.step(x, labels, true);
      }
    }
    double fp32 = vs.get(0).nanos / 1e6 / iters;
    long stepsPerEpoch = (epochExamples + batch - 1) / batch;
    out.printf(Locale.ROOT, "  %-22s %10s %8s %16s %20s %8s%n", "variant", "ms/step", "vs fp32", "bytes/step",
        "bytes/step if dyn.", "saving");
    for (Variant v : vs) {
      double ms = v.nanos / 1e6 / iters;
      if (v.plan == null) {
        out.printf(Locale.ROOT, "  %-22s %10.1f %8.2f%n", v.name, ms, ms / fp32);
      } else {
        TrafficTotals t = v.plan.traffic().step();
        out.printf(Locale.ROOT, "  %-22s %10.1f %8.2f %16d %20d %7.2fx%n", v.name, ms, ms / fp32, t.bytesMoved(),
            t.bytesMovedIfDynamic(), t.savingVersusDynamic());
      }
    }
    for (Variant v : vs) {
      if (v.plan != null) {
        TrafficTotals t = v.plan.traffic().step();
        double moved = 0;
        double dynamic = 0;
        for (long s = 0; s < stepsPerEpoch; s++) {
          TrafficTotals st = v.perStep.get((int) Math.min(s, v.perStep.size() - 1));
          moved += st.bytesMoved();
          dynamic += st.bytesMovedIfDynamic();
        }
        out.printf(Locale.ROOT,
            "  %s, one epoch of %d examples (%d steps of batch %d, the first %d as run): %.3f GB moved, %.3f GB "
                + "if dynamic (%.2fx); peak full-precision buffer %.1f MB vs %.1f MB if dynamic%n",
            v.name, epochExamples, stepsPerEpoch, batch, Math.min(stepsPerEpoch, v.perStep.size()), moved / 1e9,
            dynamic / 1e9, dynamic / moved, t.peakFullPrecisionBytes() / 1e6, t.peakFullPrecisionBytesIfDynamic() / 1e6);
        printRoutes(v, out);
      }
    }
  }

  /** The last step's bytes by quantizer kind and route: where what is left of the traffic goes. */
  private static void printRoutes(Variant v, PrintStream out) {
    Map<String, long[]> byRoute = new TreeMap<>();
    for (TensorQuantizer q : v.plan.quantizers()) {
      if (q.history().isEmpty()) {
        continue;
      }
      QuantizationRecord r = q.last();
      Route route = q.route();
      String key = q.kind().name().toLowerCase(Locale.ROOT) + " " + route.feed()
          + (route.steMask() ? " +STE mask" : "")
          + (route.inputGradientWeights() == Route.WeightCopy.NONE ? "" : " +" + route.inputGradientWeights());
      long[] a = byRoute.computeIfAbsent(key, k -> new long[3]);
      a[0]++;
      a[1] += r.bytesMoved();
      a[2] += r.bytesMovedIfDynamic();
    }
    out.printf(Locale.ROOT, "    last step by route: %-56s %10s %14s %14s%n", "kind and route", "quantizers", "bytes",
        "if dynamic");
    byRoute.forEach((k, a) -> out.printf(Locale.ROOT, "    %-76s %10d %14d %14d%n", k, a[0], a[1], a[2]));
  }
}

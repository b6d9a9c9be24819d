package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.model.Model;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.quant.QuantRoutes;
import io.hindsight.quant.QuantizationPlan;
import io.hindsight.quant.QuantizationState;
import io.hindsight.quant.QuantizerSummary;
import io.hindsight.quant.RangesCsv;
import io.hindsight.quant.StepCsv;
import io.hindsight.quant.config.QuantizationConfig;
import io.hindsight.quant.traffic.TrafficTotals;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Fully quantized training inside a run: gives every Linear/Conv2d its quantizers from the spec's
 * {@code quantization} block, advances their step, checkpoints their range-estimator state (a
 * resumed run continues with the same ranges), writes {@code ranges.csv} and {@code traffic.csv}
 * into the run directory, and adds the {@code quantization} section to {@code result.json}:
 * per-quantizer summaries and memory-traffic totals per epoch and per run.
 */
public final class QuantizationPlugin implements TrainingPlugin {
  public static final String NAME = "quantization";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final QuantizationPlan plan;
  private final Path runDir;
  private final int rangeEvery;
  private final List<ObjectNode> epochTraffic = new ArrayList<>();
  private BufferedWriter rangesOut;
  private BufferedWriter trafficOut;
  private long lastStep = -1;
  private boolean resumed;

  /**
   * @param runDir where {@code ranges.csv} and {@code traffic.csv} go, or null to write none
   * @param rangeEvery write the ranges of every N-th step
   */
  public QuantizationPlugin(QuantizationConfig config, long seed, Path runDir, int rangeEvery) {
    this.plan = QuantizationPlan.create(config, seed);
    this.runDir = runDir;
    this.rangeEvery = rangeEvery;
  }

  public QuantizationPlan plan() {
    return plan;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public QuantHooksProvider hooks() {
    return plan;
  }

  @Override
  public void onModelBuilt(Model model) {
    plan.requireOverridesMatched();
    QuantRoutes.apply(model.root()); // each quantizer's traffic is charged by how the device runs it
  }

  @Override
  public void onEpochStart(int epoch) {
    plan.beginEpoch();
    openFiles();
  }

  @Override
  public void beforeStep(long globalStep) {
    plan.beginStep(globalStep);
  }

  @Override
  public void afterStep(long globalStep) {
    lastStep = globalStep;
    if (trafficOut != null) {
      TrafficTotals t = plan.traffic().step();
      write(trafficOut, globalStep + "," + t.quantizations() + "," + t.elements() + "," + t.bytesMoved() + ","
          + t.bytesMovedIfDynamic() + "," + t.peakFullPrecisionBytes() + "," + t.peakFullPrecisionBytesIfDynamic());
    }
  }

  @Override
  public void onEpochEnd(int epoch) {
    ObjectNode e = JSON.valueToTree(plan.traffic().epoch());
    e.put("epoch", epoch);
    epochTraffic.add(e);
  }

  @Override
  public void beforeCheckpoint() {
    flush();
  }

  @Override
  public void onRunEnd() {
    flush();
    close(rangesOut);
    close(trafficOut);
    rangesOut = null;
    trafficOut = null;
  }

  @Override
  public JsonNode saveState() {
    ObjectNode s = JSON.createObjectNode();
    s.set("plan", JSON.valueToTree(plan.state()));
    s.set("epochTraffic", JSON.valueToTree(epochTraffic));
    return s;
  }

  @Override
  public void restoreState(JsonNode state) {
    try {
      plan.restore(JSON.treeToValue(state.get("plan"), QuantizationState.class));
    } catch (IOException e) {
      throw new IllegalArgumentException("checkpoint has an unreadable quantization state: " + e.getMessage(), e);
    }
    epochTraffic.clear();
    for (JsonNode n : state.get("epochTraffic")) {
      epochTraffic.add((ObjectNode) n);
    }
    resumed = true;
  }

  @Override
  public JsonNode resultSection() {
    ObjectNode r = JSON.createObjectNode();
    ArrayNode qs = r.putArray("quantizers");
    for (QuantizerSummary s : plan.summaries()) {
      qs.add(JSON.valueToTree(s));
    }
    ObjectNode traffic = r.putObject("traffic");
    traffic.set("run", JSON.valueToTree(plan.traffic().run()));
    traffic.put("savingVersusDynamic", plan.traffic().run().savingVersusDynamic());
    traffic.set("perEpoch", JSON.valueToTree(epochTraffic));
    r.put("rangesCsv", runDir == null ? null : "ranges.csv");
    r.put("rangeEvery", rangeEvery);
    return r;
  }

  private void openFiles() {
    if (runDir == null || rangesOut != null) {
      return;
    }
    try {
      Files.createDirectories(runDir);
      Path ranges = runDir.resolve("ranges.csv");
      Path traffic = runDir.resolve("traffic.csv");
      boolean append = resumed && Files.exists(ranges) && Files.exists(traffic);
      if (append) {
        // rows of steps after the checkpoint (written before the interruption) are redone now
        StepCsv.keepStepsUpTo(ranges, plan.step());
        StepCsv.keepStepsUpTo(traffic, plan.step());
      }
      rangesOut = open(ranges, append);
      trafficOut = open(traffic, append);
      plan.addListener(new RangesCsv.Writer(rangesOut, rangeEvery, !append));
      if (!append) {
        write(trafficOut, "step,quantizations,elements,bytesMoved,bytesMovedIfDynamic,peakFullPrecisionBytes,"
            + "peakFullPrecisionBytesIfDynamic");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create ranges.csv/traffic.csv in " + runDir, e);
    }
  }

  private static BufferedWriter open(Path p, boolean append) throws IOException {
    return Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
  }

  private static void write(BufferedWriter w, String line) {
    try {
      w.write(line);
      w.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void flush() {
    try {
      if (rangesOut != null) {
        rangesOut.flush();
      }
      if (trafficOut != null) {
        trafficOut.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot flush ranges.csv/traffic.csv", e);
    }
  }

  private static void close(BufferedWriter w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        // already flushed at every checkpoint; nothing more to save
      }
    }
  }

  /** The last step seen (for tests). */
  long lastStep() {
    return lastStep;
  }
}

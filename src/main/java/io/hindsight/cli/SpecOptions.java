package io.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.quant.estimator.EstimatorType;
import io.hindsight.spec.QuantizationOverrides;
import io.hindsight.spec.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options of the commands that build a job spec ({@code train}, {@code compare}): the spec
 * file, the quantization shortcuts, and (added by {@link SpecFlag#addTo}) the flags that override
 * one spec field each. {@link #buildSpecJson()} merges them: the file (or, without one, the
 * default job), then each flag.
 */
final class SpecOptions {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--spec", paramLabel = "FILE", order = 0,
      description = "job spec (JSON, the same document POST /api/v1/jobs accepts); default: the `cnn` on "
          + "Fashion-MNIST")
  Path spec;

  @ArgGroup(exclusive = false, validate = false, order = 10,
      heading = "%nQuantization (fully quantized training; docs/job-spec.md has the whole quantization block):%n")
  Quantization quantization = new Quantization();

  /** The quantization shortcuts. */
  static final class Quantization {
    @Option(names = "--quantize", order = 11,
        description = "INT8 weights, activations and gradients with the default estimators")
    boolean quantize;

    @Option(names = "--estimator", paramLabel = "ESTIMATOR", order = 12, completionCandidates = EstimatorNames.class,
        description = "estimator of activations and gradients (dsgc: gradients only): ${COMPLETION-CANDIDATES}")
    String estimator;

    @Option(names = "--bits", paramLabel = "N", order = 13, description = "bits of every quantizer (2..16)")
    Integer bits;
  }

  /** The estimators a flag may name ({@code fixed} needs ranges, which only a spec can give). */
  static final class EstimatorNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return EstimatorType.ids().stream().filter(id -> !"fixed".equals(id)).iterator();
    }
  }

  /** The spec file (if any) merged with the flags, as JSON text; not yet validated. */
  String buildSpecJson() throws IOException {
    ObjectNode root;
    if (spec != null) {
      if (!Files.isRegularFile(spec)) {
        throw new UsageException("spec file not found: " + spec);
      }
      JsonNode n = JSON.readTree(Files.readString(spec));
      if (!(n instanceof ObjectNode o)) {
        throw new SpecException("", "the spec file must contain a JSON object");
      }
      root = o;
    } else {
      root = (ObjectNode) JSON.readTree(SpecFlag.DEFAULT_JOB);
    }
    SpecFlag.applyAll(command, root);
    if (quantization.quantize || quantization.estimator != null || quantization.bits != null) {
      ObjectNode q = QuantizationOverrides.ensureQuantization(root);
      if (quantization.estimator != null) {
        QuantizationOverrides.applyEstimator(q, quantization.estimator);
      }
      if (quantization.bits != null) {
        QuantizationOverrides.applyBits(q, quantization.bits);
      }
    }
    return JSON.writeValueAsString(root);
  }
}

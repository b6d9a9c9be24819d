package io.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.model.ModelFactory;
import io.hindsight.spec.JobSpecs;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command-line flags that override one field of the job spec each, declared once: name,
 * value label, type, the spec field it sets, help text and completion candidates. From this table
 * the commands that build a spec ({@code train}, {@code compare}) get their options, their help
 * (with each field's default read from the resolved default job, so it cannot drift from the spec)
 * and the JSON edit a given flag makes.
 *
 * @param name the flag, e.g. {@code --epochs}
 * @param label the value's placeholder in help, e.g. {@code N}; distinct among flags with candidates,
 *     since picocli's bash completion keeps one list of values per label
 * @param type how the value is parsed and written into the spec
 * @param field the spec field it sets, a dotted path such as {@code training.epochs}
 * @param help what it means (the field and its default are appended)
 * @param candidates the allowed values where they are a fixed list (help and completion), else empty
 */
record SpecFlag(String name, String label, Type type, String field, String help, List<String> candidates) {

  /** How a flag's value is parsed and written into the spec. */
  enum Type {
    TEXT(String.class), INTEGER(Long.class), NUMBER(Double.class);

    final Class<?> javaType;

    Type(Class<?> javaType) {
      this.javaType = javaType;
    }
  }

  /** Every spec-overriding flag, in the order help lists them. */
  static final List<SpecFlag> ALL = List.of(
      text("--model", "ARCH", "model.arch", "architecture", ModelFactory.ARCHITECTURES),
      number("--width", "X", "model.width", "channel multiplier"),
      text("--dataset", "DATASET", "dataset.name", "dataset", JobSpecs.DATASETS),
      text("--data-path", "DIR", "dataset.path", "directory with the IDX files", List.of()),
      integer("--train-limit", "N", "dataset.trainLimit", "use the first N training examples"),
      integer("--test-limit", "N", "dataset.testLimit", "use the first N test examples"),
      integer("--epochs", "N", "training.epochs", "epochs"),
      integer("--batch-size", "N", "training.batchSize", "mini-batch size"),
      number("--lr", "X", "training.learningRate", "learning rate"),
      number("--momentum", "X", "training.momentum", "SGD momentum"),
      number("--weight-decay", "X", "training.weightDecay", "L2 weight decay"),
      text("--schedule", "SCHEDULE", "training.schedule", "learning-rate schedule", JobSpecs.SCHEDULES),
      number("--warmup-epochs", "X", "training.warmupEpochs", "linear warm-up, may be fractional"),
      integer("--seed", "N", "training.seed", "seeds initialization, data order, dropout, augmentation"),
      integer("--threads", "N", "training.threads", "CPU threads"),
      text("--engine", "ENGINE", "engine", "which engine trains (djl: the DJL/libtorch FP32 baseline)",
          JobSpecs.ENGINES),
      text("--backend", "BACKEND", "backend", "where the engine computes", JobSpecs.BACKENDS),
      integer("--checkpoint-every", "N", "checkpoint.everySteps", "also checkpoint every N steps"),
      integer("--range-every", "N", "output.rangeEvery", "write ranges.csv rows of every N-th step"));

  /** The job {@code train} runs without a spec file; its resolved form gives the flags' defaults. */
  static final String DEFAULT_JOB = "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"}}";

  private static final ObjectMapper JSON = new ObjectMapper();

  private static SpecFlag text(String name, String label, String field, String help, Collection<String> values) {
    return new SpecFlag(name, label, Type.TEXT, field, help, List.copyOf(new TreeSet<>(values)));
  }

  private static SpecFlag integer(String name, String label, String field, String help) {
    return new SpecFlag(name, label, Type.INTEGER, field, help, List.of());
  }

  private static SpecFlag number(String name, String label, String field, String help) {
    return new SpecFlag(name, label, Type.NUMBER, field, help, List.of());
  }

  /**
   * Adds every flag to {@code command} as one help section. The options carry no default value
   * (an absent flag leaves the spec alone); their help names the field and its default.
   */
  static void addTo(CommandSpec command) {
    JsonNode defaults;
    try {
      defaults = JSON.readTree(JobSpecs.toJson(JobSpecs.parseAndResolve(DEFAULT_JOB)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read the default job", e);
    }
    ArgGroupSpec.Builder group = ArgGroupSpec.builder()
        .heading("%nFlags that override one field of the job spec each [the field, its default]:%n")
        .exclusive(false).validate(false).multiplicity("0..1");
    for (SpecFlag f : ALL) {
      group.addArg(f.option(defaults));
    }
    command.addArgGroup(group.build());
  }

  private OptionSpec option(JsonNode defaults) {
    JsonNode d = defaults.at("/" + field.replace('.', '/'));
    String def = d.isMissingNode() || d.isNull() ? defaultWhenUnset()
        : d.isFloatingPointNumber() ? java.math.BigDecimal.valueOf(d.asDouble()).stripTrailingZeros().toPlainString() : d.asText();
    List<String> text = new ArrayList<>();
    text.add(help + (candidates.isEmpty() ? "" : ": " + String.join(", ", candidates)));
    text.add("[" + field + ", default " + def + "]");
    OptionSpec.Builder b = OptionSpec.builder(name).paramLabel(label).type(type.javaType)
        .description(String.join("%n", text)).converters(Converters.forType(type.javaType));
    if (!candidates.isEmpty()) {
      b.completionCandidates(candidates);
    }
    return b.build();
  }

  /** What an unset optional field means (the resolved spec omits it). */
  private String defaultWhenUnset() {
    return switch (field) {
      case "dataset.path" -> "$HINDSIGHT_DATA_DIR/<name>, then /usr/share/datasets/<name>";
      case "dataset.trainLimit", "dataset.testLimit" -> "all";
      case "training.threads" -> "all cores";
      default -> "none";
    };
  }

  /** Writes the value of every flag given on {@code command}'s command line into {@code root}. */
  static void applyAll(CommandSpec command, ObjectNode root) {
    for (SpecFlag f : ALL) {
      Object v = command.findOption(f.name).getValue();
      if (v != null) {
        f.apply(root, v);
      }
    }
  }

  /** Sets this flag's field in {@code root}, creating the objects on the way. */
  void apply(ObjectNode root, Object value) {
    String[] path = field.split("\\.");
    ObjectNode parent = root;
    for (int i = 0; i < path.length - 1; i++) {
      JsonNode child = parent.get(path[i]);
      parent = child instanceof ObjectNode o ? o : parent.putObject(path[i]);
    }
    String leaf = path[path.length - 1];
    switch (type) {
      case INTEGER -> parent.put(leaf, (Long) value);
      case NUMBER -> parent.put(leaf, (Double) value);
      case TEXT -> parent.put(leaf, (String) value);
    }
  }
}

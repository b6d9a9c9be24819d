package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.spec.JobSpecs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The generated help of every command, the flag names users depend on, and the spec flags' table. */
class CommandLineHelpTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  static Stream<String> commands() {
    return Stream.of("train", "compare", "report", "export", "bench", "bench gemm", "bench train-step",
        "bench quant-step", "bench gpu", "bench device-step", "serve", "submit", "keys", "keys create", "keys list",
        "keys revoke", "completion");
  }

  static CommandLine command(String path) {
    CommandLine cl = Main.commandLine(System.out, System.err);
    for (String name : path.split(" ")) {
      cl = cl.getSubcommands().get(name);
    }
    return cl;
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandPrintsItsGeneratedHelpWithEveryOptionAndExitsZero(String path) {
    List<String> args = new ArrayList<>(Arrays.asList(path.split(" ")));
    args.add("--help");
    assertThat(run(args.toArray(String[]::new))).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String help = stdout();
    assertThat(help).startsWith("Usage: hindsight " + path).contains("Exit status:", "-h, --help");
    for (OptionSpec o : command(path).getCommandSpec().options()) {
      assertThat(help).as("%s --help lists %s", path, o.longestName()).contains(o.longestName());
    }
    if (!path.contains(" ")) { // `hindsight help <command>` prints the same
      out.reset();
      assertThat(run("help", path)).isZero();
      assertThat(stdout()).isEqualTo(help);
    }
  }

  /** picocli's bash script keeps one list of values per value label: two flags sharing one would share a list. */
  @ParameterizedTest
  @MethodSource("commands")
  void flagsWithFixedValuesHaveTheirOwnValueLabel(String path) {
    java.util.Map<String, List<String>> byLabel = new java.util.HashMap<>();
    for (OptionSpec o : command(path).getCommandSpec().options()) {
      if (o.completionCandidates() == null) {
        continue;
      }
      List<String> values = new ArrayList<>();
      o.completionCandidates().forEach(values::add);
      List<String> before = byLabel.putIfAbsent(o.paramLabel(), values);
      assertThat(before == null || before.equals(values)).as("%s %s shares its label %s with other values", path,
          o.longestName(), o.paramLabel()).isTrue();
    }
  }

  @Test
  void withoutACommandItPrintsTheOverviewAndExitsTwo() {
    assertThat(run()).isEqualTo(2);
    assertThat(stdout()).contains("Usage: hindsight", "train", "compare", "report", "bench", "serve", "submit",
        "completion");
    out.reset();
    assertThat(run("--help")).isZero();
    assertThat(run("--version")).isZero();
    assertThat(stdout()).contains("hindsight ").contains("commit ");
  }

  @Test
  void trainHelpNamesTheSpecFieldAndDefaultOfEveryFlag() {
    assertThat(run("train", "--help")).isZero();
    String help = stdout();
    for (SpecFlag f : SpecFlag.ALL) {
      assertThat(help).contains(f.name() + "=" + f.label()).contains("[" + f.field() + ", default ");
    }
    assertThat(help).contains("[training.epochs, default 5]", "[model.arch, default cnn]",
        "[training.learningRate, default 0.05]");
  }

  /** The flags each command accepted before the command line moved to picocli: scripts depend on them. */
  static final Map<String, List<String>> FLAGS = Map.of(
      "train", List.of("--spec", "--out", "--resume", "--quiet", "--help", "--quantize", "--estimator", "--bits",
          "--model", "--width", "--dataset", "--data-path", "--train-limit", "--test-limit", "--epochs",
          "--batch-size", "--lr", "--momentum", "--weight-decay", "--schedule", "--warmup-epochs", "--seed",
          "--threads", "--engine", "--backend", "--checkpoint-every", "--range-every"),
      "compare", List.of("--spec", "--estimators", "--out", "--no-fp32", "--quiet", "--help", "--quantize",
          "--estimator", "--bits", "--model", "--epochs", "--range-every", "--seed"),
      "report", List.of("--quantizers", "--out", "--help"),
      "bench gemm", List.of("--size", "--threads", "--iters"),
      "bench train-step", List.of("--model", "--batch", "--warmup", "--iters", "--rounds", "--threads"),
      "bench quant-step", List.of("--model", "--batch", "--warmup", "--iters", "--epoch-examples", "--backend",
          "--threads"),
      "bench gpu", List.of("--quick"),
      "bench device-step", List.of("--model", "--batch", "--warmup", "--iters", "--backend"),
      "serve", List.of("--port", "--no-workers", "--help"),
      "submit", List.of("--server", "--spec", "--wait", "--api-key", "--help"));

  @Test
  void flagNamesAreUnchanged() {
    FLAGS.forEach((path, flags) -> {
      CommandLine cl = command(path);
      for (String f : flags) {
        assertThat(cl.getCommandSpec().findOption(f)).as("%s %s", path, f).isNotNull();
      }
    });
  }

  @Test
  void everySpecFlagSetsTheFieldItNames() throws Exception {
    List<String> args = new ArrayList<>(List.of("train"));
    for (SpecFlag f : SpecFlag.ALL) {
      args.add(f.name());
      args.add(sample(f));
    }
    CommandLine cl = Main.commandLine(System.out, System.err);
    cl.parseArgs(args.toArray(String[]::new));
    String json = ((TrainCommand) cl.getSubcommands().get("train").getCommand()).spec.buildSpecJson();
    JobSpecs.parse(json); // strict: a field that is not in the spec fails here
    JsonNode root = new ObjectMapper().readTree(json);
    for (SpecFlag f : SpecFlag.ALL) {
      JsonNode v = root.at("/" + f.field().replace('.', '/'));
      assertThat(v.isMissingNode()).as(f.name()).isFalse();
      assertThat(v.isNumber() ? Double.parseDouble(v.asText()) == Double.parseDouble(sample(f))
          : v.asText().equals(sample(f))).as("%s -> %s = %s", f.name(), f.field(), v).isTrue();
    }
  }

  private static String sample(SpecFlag f) {
    return switch (f.type()) {
      case INTEGER -> "3";
      case NUMBER -> "0.25";
      case TEXT -> f.candidates().isEmpty() ? "/tmp/data" : f.candidates().get(f.candidates().size() - 1);
    };
  }
}

package io.hindsight.cli;

import io.hindsight.train.BuildInfo;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code hindsight} command itself: its subcommands, {@code --help} and {@code --version}. */
@Command(name = "hindsight", sortOptions = false, synopsisSubcommandLabel = "<command>",
    versionProvider = HindsightCommand.Version.class,
    description = "Fully quantized training (INT8 weights, activations and gradients) with in-hindsight range "
        + "estimation: a command line and an HTTP service over one job spec.",
    commandListHeading = "%nCommands:%n",
    footer = {"", "`hindsight <command> --help` lists a command's flags. Environment: JAVA_HOME (Java 17+), "
        + "JAVA_OPTS (default -Xmx8g), HINDSIGHT_DATA_DIR (datasets)."},
    subcommands = {TrainCommand.class, CompareCommand.class, ReportCommand.class, ExportCommand.class,
        BenchCommand.class, ServeCommand.class, SubmitCommand.class, KeysCommand.class, CompletionCommand.class,
        CommandLine.HelpCommand.class})
final class HindsightCommand implements Callable<Integer> {
  private final PrintStream out;

  @Spec
  CommandSpec spec;

  @Option(names = {"-V", "--version"}, versionHelp = true, order = 98, description = "print the version and exit")
  boolean version;

  @Mixin
  HelpOption help;

  HindsightCommand(PrintStream out, PrintStream err) {
    this.out = out;
  }

  /** Without a command: the overview, and status 2 (nothing was done). */
  @Override
  public Integer call() {
    out.print(spec.commandLine().getUsageMessage());
    return 2;
  }

  /** {@code --version}: the build's version and git commit (as in result.json's provenance). */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"hindsight " + BuildInfo.version() + " (commit " + BuildInfo.gitCommit() + ")"};
    }
  }
}

package io.hindsight.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight completion bash}: prints a bash completion script for every command, flag and
 * fixed value (architectures, datasets, estimators, ...), generated from the same declarations
 * as the help.
 */
@Command(name = "completion", sortOptions = false,
    description = {"Print a shell completion script for hindsight's commands, flags and values.",
        "Use it now: source <(./hindsight completion bash)",
        "Keep it: save that output as",
        "  ~/.local/share/bash-completion/completions/hindsight",
        "zsh: run `autoload -U +X bashcompinit && bashcompinit` first, then source the bash script."})
final class CompletionCommand implements Callable<Integer> {
  private final PrintStream out;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "SHELL", completionCandidates = Shells.class, description = "${COMPLETION-CANDIDATES}")
  String shell;

  @Mixin
  HelpOption help;

  CompletionCommand(PrintStream out, PrintStream err) {
    this.out = out;
  }

  @Override
  public Integer call() {
    if (!"bash".equals(shell)) {
      throw new ParameterException(spec.commandLine(), "no completion for shell '" + shell + "'; supported: bash");
    }
    out.print(AutoComplete.bash("hindsight", spec.root().commandLine()));
    return 0;
  }

  /** The shells a script can be generated for. */
  static final class Shells implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return List.of("bash").iterator();
    }
  }
}

package io.hindsight.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} of every command: prints the command's generated help and exits 0. */
final class HelpOption {
  @Option(names = {"-h", "--help"}, usageHelp = true, order = 99, description = "show this help and exit")
  boolean help;
}

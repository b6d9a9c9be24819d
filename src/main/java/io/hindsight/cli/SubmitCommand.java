package io.hindsight.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hindsight submit}: sends a job spec to a Hindsight server and prints the job id; with
 * {@code --wait} it follows the job's event stream (reconnecting with {@code Last-Event-ID}) and
 * exits 0 only if the job SUCCEEDED (1 if it failed or was cancelled, 2 if the server refused the
 * submission). The submission carries a fresh {@code Idempotency-Key}, so the one automatic retry
 * after a network error can never create the job twice. The HTTP exchange is {@link JobSubmission}'s,
 * so this class (which picocli inspects for every command line) loads without {@code java.net.http}.
 */
@Command(name = "submit", sortOptions = false,
    description = "Submit a job spec to a Hindsight server and print the job's id; with --wait, follow its events "
        + "and exit 0 only if it succeeds (1 if it failed or was cancelled, 2 if the server refused it).")
final class SubmitCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Mixin
  ServerOptions server;

  @Option(names = "--spec", paramLabel = "FILE", required = true, order = 2,
      description = "job spec (JSON), as for `hindsight train --spec`")
  Path specFile;

  @Option(names = "--wait", order = 3, description = "follow progress; exit 0 only if the job succeeds")
  boolean await;

  @Mixin
  HelpOption help;

  SubmitCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    URI url = server.server();
    if (!Files.isRegularFile(specFile)) {
      throw new UsageException("spec file not found: " + specFile);
    }
    return JobSubmission.submit(url, server.apiKey(), specFile, await, out, err);
  }
}

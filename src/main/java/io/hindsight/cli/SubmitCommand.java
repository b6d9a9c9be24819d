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

  @Option(names = "--server", paramLabel = "URL", required = true, order = 1,
      description = "the server, e.g. http://localhost:8080")
  String serverUrl;

  @Option(names = "--spec", paramLabel = "FILE", required = true, order = 2,
      description = "job spec (JSON), as for `hindsight train --spec`")
  Path specFile;

  @Option(names = "--wait", order = 3, description = "follow progress; exit 0 only if the job succeeds")
  boolean await;

  @Option(names = "--api-key", paramLabel = "KEY", order = 4,
      description = "API key (default: $HINDSIGHT_API_KEY, else the file hindsight-data/api-key)")
  String apiKey;

  @Mixin
  HelpOption help;

  SubmitCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    URI server;
    try {
      server = URI.create(serverUrl.replaceAll("/+$", ""));
      if (server.getScheme() == null || !server.getScheme().startsWith("http")) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("--server must be an http(s) URL, got '" + serverUrl + "'");
    }
    if (!Files.isRegularFile(specFile)) {
      throw new UsageException("spec file not found: " + specFile);
    }
    String key = apiKey(apiKey);
    return JobSubmission.submit(server, key, specFile, await, out, err);
  }

  private static String apiKey(String flag) throws IOException {
    if (flag != null && !flag.isBlank()) {
      return flag;
    }
    String env = System.getenv("HINDSIGHT_API_KEY");
    if (env != null && !env.isBlank()) {
      return env;
    }
    Path file = Path.of("hindsight-data", "api-key");
    if (Files.isReadable(file)) {
      return Files.readString(file).strip();
    }
    throw new UsageException("no API key: pass --api-key or set HINDSIGHT_API_KEY");
  }
}

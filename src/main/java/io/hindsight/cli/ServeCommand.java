package io.hindsight.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hindsight serve}: starts the training-job service (HTTP API, queue and workers) and
 * blocks until it is stopped (SIGTERM/Ctrl-C shut it down gracefully: running jobs checkpoint and
 * go back to the queue). The Spring application itself is started by {@link ServiceRun}, so this
 * class (which picocli inspects for every command line) loads where Spring is absent, e.g. the GPU bundle.
 */
@Command(name = "serve", sortOptions = false,
    description = "Run the training-job service: the HTTP API under /api/v1, a durable job queue in a database, and "
        + "workers that run the queued jobs. Blocks until stopped; SIGTERM or Ctrl-C shut it down gracefully "
        + "(running jobs checkpoint and go back to the queue).",
    footerHeading = "%nEnvironment:%n",
    footer = {"SERVER_PORT, HINDSIGHT_API_KEY (bootstrap API key; else one is generated into the file "
        + "hindsight-data/api-key), SPRING_DATASOURCE_URL / _USERNAME / _PASSWORD (PostgreSQL; default: an "
        + "embedded H2 database in the folder hindsight-data), HINDSIGHT_DATADIR (service folder), and every "
        + "hindsight.* setting of docs/service.md."})
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "N", order = 1,
      description = "HTTP port (default: $SERVER_PORT, else 8080)")
  Integer port;

  @Option(names = "--no-workers", order = 2, description = "serve the API only; run no jobs on this replica")
  boolean noWorkers;

  @Mixin
  HelpOption help;

  @Override
  public Integer call() throws InterruptedException {
    List<String> springArgs = new ArrayList<>();
    if (port != null) {
      if (port < 0 || port > 65535) {
        throw new UsageException("--port must be a port number, got '" + port + "'");
      }
      springArgs.add("--server.port=" + port);
    }
    if (noWorkers) {
      springArgs.add("--hindsight.worker.enabled=false");
    }
    return ServiceRun.runUntilClosed(springArgs.toArray(String[]::new));
  }
}

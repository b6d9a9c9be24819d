package io.hindsight.cli;

import io.hindsight.service.HindsightServiceApplication;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * {@code hindsight serve}: starts the training-job service (HTTP API, queue and workers) and
 * blocks until it is stopped (SIGTERM/Ctrl-C shut it down gracefully: running jobs checkpoint and
 * go back to the queue).
 */
final class ServeCommand {
  static final String USAGE = """
      usage: hindsight serve [--port N] [--no-workers]
        --port N        HTTP port (default: $SERVER_PORT, else 8080)
        --no-workers    serve the API only; run no jobs on this replica
      Environment: SERVER_PORT, HINDSIGHT_API_KEY (bootstrap API key; else one is generated into
      ./hindsight-data/api-key), SPRING_DATASOURCE_URL / _USERNAME / _PASSWORD (PostgreSQL; default: an
      embedded H2 database under ./hindsight-data/), HINDSIGHT_DATADIR (service folder), and every
      hindsight.* setting listed in README.md.
      """;

  private ServeCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws InterruptedException {
    Args a = Args.parse(argv, Set.of("port"), Set.of("no-workers", "help"));
    if (a.flag("help")) {
      out.print(USAGE);
      return 0;
    }
    if (!a.positionals().isEmpty()) {
      throw new Args.UsageException("unexpected argument '" + a.positionals().get(0) + "'");
    }
    List<String> springArgs = new ArrayList<>();
    if (a.get("port") != null) {
      try {
        int port = Integer.parseInt(a.get("port"));
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new Args.UsageException("--port must be a port number, got '" + a.get("port") + "'");
      }
      springArgs.add("--server.port=" + a.get("port"));
    }
    if (a.flag("no-workers")) {
      springArgs.add("--hindsight.worker.enabled=false");
    }
    ConfigurableApplicationContext ctx = HindsightServiceApplication.start(springArgs.toArray(String[]::new));
    CountDownLatch closed = new CountDownLatch(1);
    ctx.addApplicationListener(e -> {
      if (e instanceof ContextClosedEvent) {
        closed.countDown();
      }
    });
    if (!ctx.isActive()) {
      return 1;
    }
    closed.await();
    return 0;
  }
}

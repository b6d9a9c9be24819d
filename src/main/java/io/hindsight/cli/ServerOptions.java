package io.hindsight.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --server} and {@code --api-key} of the commands that talk to a Hindsight server
 * ({@code submit}, {@code keys}): the base URL, checked, and the API key from the flag, else
 * {@code $HINDSIGHT_API_KEY}, else the file {@code hindsight-data/api-key} a fresh server generates.
 */
final class ServerOptions {
  @Option(names = "--server", paramLabel = "URL", required = true, order = 1,
      description = "the server, e.g. http://localhost:8080")
  String serverUrl;

  @Option(names = "--api-key", paramLabel = "KEY", order = 4,
      description = "API key (default: $HINDSIGHT_API_KEY, else the file hindsight-data/api-key)")
  String apiKey;

  /** The server's base URL; a usage error unless it is an http(s) URL. */
  URI server() {
    try {
      URI server = URI.create(serverUrl.replaceAll("/+$", ""));
      if (server.getScheme() == null || !server.getScheme().startsWith("http")) {
        throw new IllegalArgumentException();
      }
      return server;
    } catch (IllegalArgumentException e) {
      throw new UsageException("--server must be an http(s) URL, got '" + serverUrl + "'");
    }
  }

  /** The API key to send; a usage error if there is none. */
  String apiKey() throws IOException {
    if (apiKey != null && !apiKey.isBlank()) {
      return apiKey;
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

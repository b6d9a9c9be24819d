package io.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * {@code hindsight submit}: sends a job spec to a Hindsight server and prints the job id; with
 * {@code --wait} it follows the job's event stream (reconnecting with {@code Last-Event-ID}) and
 * exits 0 only if the job SUCCEEDED (1 if it failed or was cancelled, 2 if the server refused the
 * submission). The submission carries a fresh {@code Idempotency-Key}, so the one automatic retry
 * after a network error can never create the job twice.
 */
final class SubmitCommand {
  static final String USAGE = """
      usage: hindsight submit --server URL --spec FILE [--wait] [--api-key KEY]
        --server URL     e.g. http://localhost:8080
        --spec FILE      job spec (JSON), as for `hindsight train --spec`
        --wait           follow progress; exit 0 only if the job succeeds
        --api-key KEY    API key (default: $HINDSIGHT_API_KEY, else ./hindsight-data/api-key)
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SubmitCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws IOException, InterruptedException {
    Args a = Args.parse(argv, Set.of("server", "spec", "api-key"), Set.of("wait", "help"));
    if (a.flag("help")) {
      out.print(USAGE);
      return 0;
    }
    if (a.get("server") == null || a.get("spec") == null) {
      throw new Args.UsageException("submit needs --server URL and --spec FILE");
    }
    URI server;
    try {
      server = URI.create(a.get("server").replaceAll("/+$", ""));
      if (server.getScheme() == null || !server.getScheme().startsWith("http")) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException("--server must be an http(s) URL, got '" + a.get("server") + "'");
    }
    Path specFile = Path.of(a.get("spec"));
    if (!Files.isRegularFile(specFile)) {
      throw new Args.UsageException("spec file not found: " + specFile);
    }
    String key = apiKey(a.get("api-key"));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest post = HttpRequest.newBuilder(server.resolve("/api/v1/jobs"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .header("Idempotency-Key", UUID.randomUUID().toString()).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(specFile))).build();
    HttpResponse<String> res;
    try {
      res = http.send(post, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      err.println("hindsight: " + e.getMessage() + "; retrying once");
      Thread.sleep(1000);
      res = http.send(post, HttpResponse.BodyHandlers.ofString());
    }
    if (res.statusCode() != 201) {
      err.println("hindsight: the server refused the job: " + problem(res));
      return res.statusCode() >= 400 && res.statusCode() < 500 ? 2 : 1;
    }
    String id = JSON.readTree(res.body()).path("id").asText();
    out.println(id);
    if (!a.flag("wait")) {
      return 0;
    }
    return follow(http, server, key, id, err);
  }

  private static int follow(HttpClient http, URI server, String key, String id, PrintStream err)
      throws IOException, InterruptedException {
    String lastId = "";
    for (int tries = 0; tries < 1000; tries++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve("/api/v1/jobs/" + id + "/events"))
          .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream");
      if (!lastId.isEmpty()) {
        b.header("Last-Event-ID", lastId);
      }
      try {
        HttpResponse<InputStream> res = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (res.statusCode() != 200) {
          err.println("hindsight: cannot follow job " + id + ": HTTP " + res.statusCode());
          return 1;
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
          String line;
          String event = "";
          StringBuilder data = new StringBuilder();
          while ((line = in.readLine()) != null) {
            if (line.startsWith("id:")) {
              lastId = line.substring(3).strip();
            } else if (line.startsWith("event:")) {
              event = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
              data.append(line.substring(5).strip());
            } else if (line.isEmpty() && data.length() > 0) {
              print(err, event, JSON.readTree(data.toString()));
              data.setLength(0);
              event = "";
            }
          }
        }
      } catch (IOException e) {
        err.println("hindsight: event stream interrupted (" + e.getMessage() + "); reconnecting");
        Thread.sleep(1000);
      }
      JsonNode job = getJob(http, server, key, id);
      String status = job.path("status").asText();
      if (Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status)) {
        if ("SUCCEEDED".equals(status)) {
          JsonNode m = job.path("latestMetrics");
          err.printf(Locale.ROOT, "job %s SUCCEEDED: test accuracy %.4f%n", id, m.path("testAccuracy").asDouble());
          return 0;
        }
        err.println("job " + id + " " + status + (job.hasNonNull("failureReason")
            ? ": " + job.get("failureReason").asText() : ""));
        return 1;
      }
    }
    return 1;
  }

  private static JsonNode getJob(HttpClient http, URI server, String key, String id)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.resolve("/api/v1/jobs/" + id))
        .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private static void print(PrintStream err, String event, JsonNode d) {
    switch (event) {
      case "status" -> err.println("[" + d.path("status").asText() + "] " + d.path("message").asText());
      case "epoch" -> err.printf(Locale.ROOT, "epoch %d: train loss %.4f, test accuracy %.4f (%.0f samples/s)%n",
          d.path("epoch").asInt(), d.path("trainLoss").asDouble(), d.path("testAccuracy").asDouble(),
          d.path("samplesPerSecond").asDouble());
      case "progress" -> err.printf(Locale.ROOT, "  epoch %d/%d step %d/%d loss %.4f%n", d.path("epoch").asInt(),
          d.path("epochs").asInt(), d.path("step").asInt(), d.path("stepsPerEpoch").asInt(),
          d.path("loss").asDouble());
      default -> { }
    }
  }

  private static String problem(HttpResponse<String> res) {
    try {
      JsonNode p = JSON.readTree(res.body());
      return res.statusCode() + " " + p.path("title").asText() + ": " + p.path("detail").asText()
          + (p.hasNonNull("field") ? " (field " + p.get("field").asText() + ")" : "");
    } catch (IOException e) {
      return "HTTP " + res.statusCode();
    }
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
    throw new Args.UsageException("no API key: pass --api-key or set HINDSIGHT_API_KEY");
  }
}

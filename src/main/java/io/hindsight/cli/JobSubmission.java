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
 * The HTTP side of {@code hindsight submit}: posts a spec with a fresh {@code Idempotency-Key}
 * (one retry after a network error), prints the job id, and with {@code wait} follows the job's
 * server-sent events (reconnecting with {@code Last-Event-ID}) to its end.
 */
final class JobSubmission {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JobSubmission() {}

  /** @return the exit status: 0 submitted (waited: succeeded), 1 failed or cancelled, 2 refused */
  static int submit(URI server, String key, Path specFile, boolean wait, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
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
    if (!wait) {
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

  /** One line for a refused request: status, the problem's title and detail, and the field to blame. */
  static String problem(HttpResponse<String> res) {
    try {
      JsonNode p = JSON.readTree(res.body());
      return res.statusCode() + " " + p.path("title").asText() + ": " + p.path("detail").asText()
          + (p.hasNonNull("field") ? " (field " + p.get("field").asText() + ")" : "");
    } catch (IOException e) {
      return "HTTP " + res.statusCode();
    }
  }
}

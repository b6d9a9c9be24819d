package io.hindsight.service.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A small HTTP client for tests: JSON requests with an API key (the bootstrap one unless told), SSE reading, polling. */
public final class Api {
  public static final String KEY = "test-key-0123456789";
  public static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String key;

  public Api(int port) {
    this("http://127.0.0.1:" + port, KEY);
  }

  private Api(String base, String key) {
    this.base = base;
    this.key = key;
  }

  /** The same server, with another API key. */
  public Api as(String otherKey) {
    return new Api(base, otherKey);
  }

  /** A DELETE request. */
  public HttpResponse<String> delete(String path) {
    return send(request(path).DELETE().build());
  }

  public String base() {
    return base;
  }

  public HttpClient http() {
    return http;
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key);
  }

  public HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(r, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  public HttpResponse<String> post(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  public JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Submits a spec; returns the job id (asserting 201). */
  public String submit(String spec) {
    HttpResponse<String> r = post("/api/v1/jobs", spec);
    if (r.statusCode() != 201) {
      throw new AssertionError("submission refused: " + r.statusCode() + " " + r.body());
    }
    return json(r).path("id").asText();
  }

  public JsonNode job(String id) {
    return json(get("/api/v1/jobs/" + id));
  }

  /** Polls the job until {@code done} holds or the timeout passes. */
  public JsonNode awaitJob(String id, Duration timeout, Predicate<JsonNode> done) {
    long end = System.nanoTime() + timeout.toNanos();
    JsonNode j = job(id);
    while (!done.test(j)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("job " + id + " did not reach the expected state in " + timeout + ": " + j);
      }
      sleep(150);
      j = job(id);
    }
    return j;
  }

  public JsonNode awaitStatus(String id, String status, Duration timeout) {
    return awaitJob(id, timeout, j -> status.equals(j.path("status").asText()));
  }

  /** One received server-sent event. */
  public record Sse(String id, String event, JsonNode data) {}

  /** Reads a job's event stream to its end (the server closes it when the job has ended). */
  public List<Sse> events(String jobId, String lastEventId) {
    HttpRequest.Builder b = request("/api/v1/jobs/" + jobId + "/events").timeout(Duration.ofSeconds(120))
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    List<Sse> out = new ArrayList<>();
    try {
      HttpResponse<InputStream> res = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      if (res.statusCode() != 200) {
        throw new AssertionError("events: HTTP " + res.statusCode());
      }
      try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
        String line;
        String id = null;
        String event = null;
        StringBuilder data = new StringBuilder();
        while ((line = in.readLine()) != null) {
          if (line.startsWith("id:")) {
            id = line.substring(3).strip();
          } else if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).strip());
          } else if (line.isEmpty() && data.length() > 0) {
            out.add(new Sse(id, event, JSON.readTree(data.toString())));
            data.setLength(0);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  public static String spec(Map<String, Object> training) {
    return tinySpec(training == null ? "" : training.entrySet().stream()
        .map(e -> ", \"" + e.getKey() + "\": " + e.getValue()).reduce("", String::concat));
  }

  /** A tiny synthetic MLP job (256 examples, batch 32: 8 steps per epoch, 2 epochs). */
  public static String tinySpec(String extraTraining) {
    return """
        {"model": {"arch": "mlp"}, "dataset": {"name": "synthetic", "trainLimit": 256, "testLimit": 64},
         "training": {"epochs": 2, "batchSize": 32, "seed": 7 %s}}""".formatted(extraTraining);
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

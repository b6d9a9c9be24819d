package io.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The HTTP side of {@code hindsight keys}: {@code /api/v1/admin/keys} of a server. A refused
 * request (4xx: not an admin key, bad or taken name, unknown id) prints the server's problem and
 * gives exit status 2; an unreachable server or a 5xx gives 1.
 */
final class KeysClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private KeysClient() {}

  static int create(URI server, String key, String name, boolean admin, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    String body = JSON.createObjectNode().put("name", name).put("admin", admin).toString();
    HttpResponse<String> res = send(request(server, key, "").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    if (res.statusCode() != 201) {
      return refused(res, err);
    }
    JsonNode k = JSON.readTree(res.body());
    out.println(k.path("key").asText());
    err.println("created " + (k.path("admin").asBoolean() ? "admin " : "") + "key '" + k.path("name").asText()
        + "' (id " + k.path("id").asText() + "); the key above is shown only now");
    return 0;
  }

  static int list(URI server, String key, PrintStream out, PrintStream err) throws IOException, InterruptedException {
    HttpResponse<String> res = send(request(server, key, "").GET());
    if (res.statusCode() != 200) {
      return refused(res, err);
    }
    String row = "%-36s  %-24s  %-5s  %-24s  %s%n";
    out.printf(Locale.ROOT, row, "ID", "NAME", "ADMIN", "CREATED", "REVOKED");
    for (JsonNode k : JSON.readTree(res.body())) {
      out.printf(Locale.ROOT, row, k.path("id").asText(), k.path("name").asText(),
          k.path("admin").asBoolean() ? "yes" : "no", k.path("createdAt").asText(),
          k.hasNonNull("revokedAt") ? k.get("revokedAt").asText() : "-");
    }
    return 0;
  }

  static int revoke(URI server, String key, String id, PrintStream err) throws IOException, InterruptedException {
    HttpResponse<String> res = send(request(server, key, "/" + URLEncoder.encode(id, StandardCharsets.UTF_8))
        .DELETE());
    if (res.statusCode() != 204) {
      return refused(res, err);
    }
    err.println("revoked key " + id);
    return 0;
  }

  private static HttpRequest.Builder request(URI server, String key, String suffix) {
    return HttpRequest.newBuilder(server.resolve("/api/v1/admin/keys" + suffix))
        .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30));
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int refused(HttpResponse<String> res, PrintStream err) {
    err.println("hindsight: the server refused: " + JobSubmission.problem(res));
    return res.statusCode() >= 400 && res.statusCode() < 500 ? Main.USAGE : Main.FAILED;
  }
}

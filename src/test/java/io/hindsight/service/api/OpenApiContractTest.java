package io.hindsight.service.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.hindsight.service.support.Api;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The contract in {@code openapi.yaml} is what the service serves: the document springdoc
 * generates at {@code /v3/api-docs} must equal it semantically (servers aside). Runs on the
 * embedded default database (H2 file in PostgreSQL mode), like a fresh {@code hindsight serve}.
 * After an intended API change, regenerate the file with
 * {@code mvn test -Dtest=OpenApiContractTest -Dhindsight.openapi.write=true} and review the diff.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"hindsight.security.api-key=" + Api.KEY, "hindsight.worker.enabled=false"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OpenApiContractTest {
  static final Path CONTRACT = Path.of("openapi.yaml");

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws Exception {
    Path dir = Files.createTempDirectory("hs-openapi");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;

  @Test
  void servedDocumentMatchesTheContractFile() throws Exception {
    Api api = new Api(port);
    var res = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v3/api-docs")).GET().build());
    assertThat(res.statusCode()).isEqualTo(200);
    ObjectNode served = (ObjectNode) Api.JSON.readTree(res.body());
    served.remove("servers");
    YAMLMapper yaml = new YAMLMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    if (Boolean.getBoolean("hindsight.openapi.write")) {
      Files.writeString(CONTRACT, "# The Hindsight HTTP API contract (OpenAPI 3). Kept identical to what the service"
          + " serves at /v3/api-docs\n# (OpenApiContractTest); Swagger UI: /swagger-ui.html\n"
          + yaml.writeValueAsString(served));
    }
    assertThat(Files.exists(CONTRACT)).as("openapi.yaml at the repository root").isTrue();
    JsonNode contract = yaml.readTree(CONTRACT.toFile());
    ((ObjectNode) contract).remove("servers");
    java.util.List<String> diffs = new java.util.ArrayList<>();
    diff("", contract, served, diffs);
    assertThat(diffs).as("the served OpenAPI document differs from openapi.yaml at these JSON pointers; if the"
        + " change is intended, regenerate it (see this test's javadoc)").isEmpty();
    assertThat(served).isEqualTo(contract);

    assertThat(served.path("paths").has("/api/v1/jobs")).isTrue();
    assertThat(served.path("paths").has("/api/v1/jobs/{id}/events")).isTrue();
    var ui = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/swagger-ui/index.html")).GET().build());
    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.body()).contains("Swagger UI");
  }

  /**
   * The contract documents the tenancy and quota answers: every API operation 401 and 429 (with
   * Retry-After), every operation on an id 404 (unknown or another key's), the admin operations 403,
   * creating a key with a taken name 409.
   */
  @Test
  void theContractDocumentsTheTenancyAndQuotaAnswers() throws Exception {
    JsonNode paths = new YAMLMapper().readTree(CONTRACT.toFile()).path("paths");
    int operations = 0;
    for (var p = paths.fields(); p.hasNext(); ) {
      var path = p.next();
      if (!path.getKey().startsWith("/api/")) {
        continue;
      }
      for (var o = path.getValue().fields(); o.hasNext(); ) {
        var op = o.next();
        String where = op.getKey() + " " + path.getKey();
        JsonNode responses = op.getValue().path("responses");
        assertThat(responses.has("401")).as(where).isTrue();
        assertThat(responses.path("429").path("headers").has("Retry-After")).as(where).isTrue();
        if (path.getKey().contains("{id}")) {
          assertThat(responses.has("404")).as(where).isTrue();
        }
        if (path.getKey().startsWith("/api/v1/admin/")) {
          assertThat(responses.has("403")).as(where).isTrue();
        }
        operations++;
      }
    }
    assertThat(operations).isGreaterThanOrEqualTo(18);
    assertThat(paths.at("/~1api~1v1~1admin~1keys/post/responses").has("409")).isTrue();
    assertThat(documented("DELETE", "/api/v1/admin/keys/00000000-0000-4000-8000-000000000000", 403)).isTrue();
    assertThat(documented("GET", "/api/v1/jobs", 403)).isFalse();
  }

  private static JsonNode contractPaths;

  /**
   * Whether the contract documents answering {@code status} to {@code method path}; true too when
   * the request matches no documented operation (a path or method the API does not have).
   */
  static synchronized boolean documented(String method, String path, int status) {
    try {
      if (contractPaths == null) {
        contractPaths = new YAMLMapper().readTree(CONTRACT.toFile()).path("paths");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (var p = contractPaths.fields(); p.hasNext(); ) {
      var entry = p.next();
      if (path.matches(entry.getKey().replaceAll("\\{[^}]+}", "[^/]+"))) {
        JsonNode op = entry.getValue().path(method.toLowerCase(java.util.Locale.ROOT));
        return op.isMissingNode() || op.path("responses").has(Integer.toString(status));
      }
    }
    return true;
  }

  /** Collects the JSON pointers where {@code a} and {@code b} differ (at most 20). */
  static void diff(String at, JsonNode a, JsonNode b, java.util.List<String> out) {
    if (out.size() >= 20 || a.equals(b)) {
      return;
    }
    if (a.isObject() && b.isObject()) {
      java.util.Set<String> names = new java.util.TreeSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        String p = at + "/" + n.replace("~", "~0").replace("/", "~1");
        if (!a.has(n) || !b.has(n)) {
          out.add(p + (a.has(n) ? " (only in openapi.yaml)" : " (only served)"));
        } else {
          diff(p, a.get(n), b.get(n), out);
        }
      }
    } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        diff(at + "/" + i, a.get(i), b.get(i), out);
      }
    } else {
      out.add(at + ": " + a + " != " + b);
    }
  }
}

package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.service.HindsightServiceApplication;
import io.hindsight.service.support.Api;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code hindsight keys create|list|revoke} against a running service (embedded H2): the created key
 * works and is listed without its secret, an ordinary key is refused (exit 2), a revoked key stops
 * working, and bad usage exits 2.
 */
@SpringBootTest(classes = HindsightServiceApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"hindsight.security.api-key=" + Api.KEY, "hindsight.worker.enabled=false"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class KeysCommandTest {
  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws Exception {
    Path dir = Files.createTempDirectory("hs-keys");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int keys(String key, String... args) {
    out.reset();
    err.reset();
    String[] all = new String[args.length + 5];
    all[0] = "keys";
    System.arraycopy(args, 0, all, 1, args.length);
    System.arraycopy(new String[] {"--server", "http://127.0.0.1:" + port, "--api-key", key}, 0, all,
        args.length + 1, 4);
    return Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void createListRevoke() {
    assertThat(keys(Api.KEY, "create", "ci-pipeline")).as(stderr()).isZero();
    String key = stdout().strip();
    assertThat(key).matches("hs_[0-9a-f]{48}");
    assertThat(stderr()).contains("created key 'ci-pipeline'", "shown only now");
    String id = stderr().replaceAll("(?s).*\\(id ([0-9a-f-]{36})\\).*", "$1");
    Api api = new Api(port).as(key);
    assertThat(api.get("/api/v1/jobs").statusCode()).isEqualTo(200);

    assertThat(keys(Api.KEY, "create", "ops", "--admin")).isZero();
    assertThat(stderr()).contains("created admin key 'ops'");
    assertThat(keys(Api.KEY, "create", "ops")).isEqualTo(2);
    assertThat(stderr()).contains("409", "already exists");
    assertThat(keys(Api.KEY, "create", "bad name")).isEqualTo(2);
    assertThat(stderr()).contains("400", "(field name)");

    assertThat(keys(Api.KEY, "list")).isZero();
    assertThat(stdout()).contains("ID", "NAME", "ADMIN", "REVOKED", "bootstrap", "ci-pipeline", "ops", id)
        .doesNotContain(key);
    assertThat(keys(key, "list")).as("an ordinary key").isEqualTo(2);
    assertThat(stderr()).contains("403");

    assertThat(keys(Api.KEY, "revoke", id)).isZero();
    assertThat(stderr()).contains("revoked key " + id);
    assertThat(api.get("/api/v1/jobs").statusCode()).isEqualTo(401);
    assertThat(keys(Api.KEY, "list")).isZero();
    assertThat(stdout().lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow()).doesNotEndWith("-");
    assertThat(keys(Api.KEY, "revoke", "00000000-0000-4000-8000-000000000000")).isEqualTo(2);
    assertThat(stderr()).contains("404");
    assertThat(keys("wrong-key", "list")).isEqualTo(2);
    assertThat(stderr()).contains("401");
  }

  @Test
  void badUsageExitsTwo() {
    assertThat(keys(Api.KEY, "create")).isEqualTo(2);
    assertThat(stderr()).contains("NAME");
    err.reset();
    assertThat(Main.run(new String[] {"keys"}, new PrintStream(out), new PrintStream(err, true,
        StandardCharsets.UTF_8))).isEqualTo(2);
    assertThat(stderr()).contains("create, list or revoke");
    assertThat(Main.run(new String[] {"keys", "list"}, new PrintStream(out), new PrintStream(err))).isEqualTo(2);
    assertThat(Main.run(new String[] {"keys", "list", "--server", "ftp://x", "--api-key", "k"}, new PrintStream(out),
        new PrintStream(err))).isEqualTo(2);
  }
}

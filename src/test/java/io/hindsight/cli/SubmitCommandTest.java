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
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code hindsight submit} against a running service (embedded H2): prints the id, --wait follows to the end. */
@SpringBootTest(classes = HindsightServiceApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"hindsight.security.api-key=" + Api.KEY, "hindsight.worker.poll-interval=100ms",
        "hindsight.worker.threads=1", "hindsight.events.poll-interval=100ms"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SubmitCommandTest {
  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws Exception {
    Path dir = Files.createTempDirectory("hs-submit");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  @TempDir
  Path tmp;

  int submit(String spec, ByteArrayOutputStream out, ByteArrayOutputStream err, String... extra) throws Exception {
    Path file = tmp.resolve("spec-" + System.nanoTime() + ".json");
    Files.writeString(file, spec);
    String[] base = {"submit", "--server", "http://127.0.0.1:" + port, "--spec", file.toString(), "--api-key", Api.KEY};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void waitExitsZeroOnSuccessAndOneOnFailure() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(submit(Api.tinySpec(""), out, err, "--wait")).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String id = out.toString(StandardCharsets.UTF_8).strip();
    assertThat(id).matches("[0-9a-f-]{36}");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("[SUCCEEDED]", "epoch 2:", "SUCCEEDED: test accuracy");

    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    int code = submit(Api.tinySpec(", \"learningRate\": 10, \"momentum\": 0.99, \"nonFinitePatience\": 2"),
        new ByteArrayOutputStream(), err2, "--wait");
    assertThat(code).isEqualTo(1);
    assertThat(err2.toString(StandardCharsets.UTF_8)).contains("FAILED", "NaN/Inf");
  }

  @Test
  void refusedSpecExitsTwoNamingTheField() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(submit(Api.tinySpec("").replace("\"epochs\": 2", "\"epochs\": 0"), out, err)).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("400", "training.epochs");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(Main.run(new String[] {"submit", "--spec", "x.json"}, new PrintStream(out), new PrintStream(err)))
        .isEqualTo(2);
  }
}

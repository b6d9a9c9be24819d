package io.hindsight.service.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * The PostgreSQL the integration tests run against: {@code HINDSIGHT_TEST_DB_URL} (with
 * {@code HINDSIGHT_TEST_DB_USER} / {@code _PASSWORD}) when set; otherwise a Testcontainers
 * PostgreSQL where a Docker engine exists; otherwise the local server at
 * {@code jdbc:postgresql://127.0.0.1:5432/test} (user {@code postgres}), which {@code .ci/run}
 * starts. Each test class gets a fresh schema ({@code hs_<epoch seconds>_<random>}); schemas left
 * by runs more than an hour old are dropped.
 */
public final class TestDatabase {
  private static String url;
  private static String user;
  private static String password;

  private TestDatabase() {}

  private static synchronized void init() {
    if (url != null) {
      return;
    }
    String env = System.getenv("HINDSIGHT_TEST_DB_URL");
    if (env != null && !env.isBlank()) {
      url = env;
      user = System.getenv().getOrDefault("HINDSIGHT_TEST_DB_USER", "postgres");
      password = System.getenv().getOrDefault("HINDSIGHT_TEST_DB_PASSWORD", "postgres");
    } else if (dockerAvailable()) {
      PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:15-alpine");
      pg.start();
      url = pg.getJdbcUrl();
      user = pg.getUsername();
      password = pg.getPassword();
    } else {
      url = "jdbc:postgresql://127.0.0.1:5432/test";
      user = System.getenv().getOrDefault("HINDSIGHT_TEST_DB_USER", "postgres");
      password = System.getenv().getOrDefault("HINDSIGHT_TEST_DB_PASSWORD", "postgres");
    }
    dropStaleSchemas();
  }

  private static boolean dockerAvailable() {
    if (!Files.exists(Path.of("/var/run/docker.sock")) && System.getenv("DOCKER_HOST") == null) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** A new, empty schema name for one test class (Flyway creates it). */
  public static String freshSchema() {
    init();
    return "hs_" + (System.currentTimeMillis() / 1000) + "_" + Integer.toHexString(
        ThreadLocalRandom.current().nextInt(1 << 24));
  }

  /** Points a Spring context at {@code schema}. */
  public static void register(DynamicPropertyRegistry r, String schema) {
    init();
    String sep = url.contains("?") ? "&" : "?";
    r.add("spring.datasource.url", () -> url + sep + "currentSchema=" + schema);
    r.add("spring.datasource.username", () -> user);
    r.add("spring.datasource.password", () -> password);
    r.add("spring.flyway.schemas", () -> schema);
    r.add("spring.flyway.default-schema", () -> schema);
    r.add("spring.flyway.create-schemas", () -> "true");
  }

  /** JDBC URL, user and password for {@code schema} (e.g. for a second JVM). */
  public static String[] connection(String schema) {
    init();
    String sep = url.contains("?") ? "&" : "?";
    return new String[] {url + sep + "currentSchema=" + schema, user, password};
  }

  public static Connection connect() throws SQLException {
    init();
    return DriverManager.getConnection(url, user, password);
  }

  private static void dropStaleSchemas() {
    long cutoff = System.currentTimeMillis() / 1000 - 3600;
    try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
      List<String> stale = new ArrayList<>();
      try (ResultSet rs = s.executeQuery(
          "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'hs\\_%'")) {
        while (rs.next()) {
          String[] p = rs.getString(1).split("_");
          try {
            if (p.length == 3 && Long.parseLong(p[1]) < cutoff) {
              stale.add(rs.getString(1));
            }
          } catch (NumberFormatException ignored) {
            // not ours
          }
        }
      }
      for (String schema : stale) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach the test PostgreSQL at " + url + " as " + user
          + " (set HINDSIGHT_TEST_DB_URL / _USER / _PASSWORD): " + e.getMessage(), e);
    }
  }
}

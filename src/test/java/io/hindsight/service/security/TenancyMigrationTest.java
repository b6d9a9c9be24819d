package io.hindsight.service.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.service.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * The tenancy migration (V3) on a database that already holds data from before it, on PostgreSQL
 * and on the embedded H2: existing keys become admin keys (they were all bootstrap or generated
 * keys), a rotated bootstrap key's duplicate names become unique, existing uploads have no owner
 * (only admins see them), and names are unique afterwards.
 */
class TenancyMigrationTest {
  @Test
  void onPostgreSql() throws Exception {
    String schema = TestDatabase.freshSchema();
    String[] db = TestDatabase.connection(schema);
    migrateOldData(db[0], db[1], db[2], schema);
  }

  @Test
  void onH2() throws Exception {
    migrateOldData("jdbc:h2:mem:tenancy;DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", "sa", "",
        null);
  }

  private static void migrateOldData(String url, String user, String password, String schema) throws SQLException {
    Flyway before = flyway(url, user, password, schema).target("2").load();
    before.migrate();
    try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
      if (schema != null) {
        s.execute("SET search_path TO " + schema);
      }
      s.execute("INSERT INTO api_keys (id, name, key_hash, created_at) VALUES"
          + " ('00000000-0000-4000-8000-000000000001', 'bootstrap', 'h1', CURRENT_TIMESTAMP),"
          + " ('00000000-0000-4000-8000-000000000002', 'bootstrap', 'h2', CURRENT_TIMESTAMP),"
          + " ('00000000-0000-4000-8000-000000000003', 'generated', 'h3', CURRENT_TIMESTAMP)");
      s.execute("INSERT INTO datasets (id, name, train_examples, test_examples, height, width, bytes, created_at)"
          + " VALUES ('00000000-0000-4000-8000-0000000000d1', 'old', 10, 10, 28, 28, 100, CURRENT_TIMESTAMP)");

      flyway(url, user, password, schema).load().migrate();

      List<String> names = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT name, admin, revoked_at FROM api_keys ORDER BY id")) {
        while (rs.next()) {
          names.add(rs.getString(1));
          assertThat(rs.getBoolean(2)).as(rs.getString(1) + " is an admin key").isTrue();
          assertThat(rs.getTimestamp(3)).isNull();
        }
      }
      assertThat(names).containsExactly("bootstrap-00000000-0000-4000-8000-000000000001",
          "bootstrap-00000000-0000-4000-8000-000000000002", "generated");
      try (ResultSet rs = s.executeQuery("SELECT owner_key FROM datasets")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isNull();
      }
      assertThatThrownBy(() -> s.execute("INSERT INTO api_keys (id, name, key_hash, created_at) VALUES"
          + " ('00000000-0000-4000-8000-000000000004', 'generated', 'h4', CURRENT_TIMESTAMP)"))
          .isInstanceOf(SQLException.class);
    }
  }

  private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(String url, String user,
      String password, String schema) {
    var f = Flyway.configure().dataSource(url, user, password).locations("classpath:db/migration");
    return schema == null ? f : f.schemas(schema).defaultSchema(schema).createSchemas(true);
  }
}

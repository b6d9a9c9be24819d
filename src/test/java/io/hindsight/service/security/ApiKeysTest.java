package io.hindsight.service.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.service.api.ApiException;
import io.hindsight.service.config.HindsightProperties;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link ApiKeys} on an embedded database: the bootstrap key's registration (idempotent, admin, a
 * rotated key named beside the old one, a revoked key staying revoked), name rules, duplicates,
 * revocation and the last admin key.
 */
class ApiKeysTest {
  private ApiKeys keys;

  @BeforeEach
  void database() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:keys-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
    ds.setUser("sa");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    keys = new ApiKeys(JdbcClient.create(ds), new TransactionTemplate(new DataSourceTransactionManager(ds)),
        new HindsightProperties());
  }

  @Test
  void theBootstrapKeyIsAnAdminKeyRegisteredOnceAndARotatedOneIsNamedBesideIt() {
    String id = keys.registerAdmin("bootstrap", "first-secret");
    assertThat(keys.registerAdmin("bootstrap", "first-secret")).isEqualTo(id);
    assertThat(keys.authenticate("first-secret")).hasValue(new Caller(id, "bootstrap", true));
    String rotated = keys.registerAdmin("bootstrap", "second-secret");
    assertThat(keys.authenticate("second-secret").orElseThrow().name()).isEqualTo("bootstrap-" + rotated.substring(0, 8));
    assertThat(keys.authenticate("first-secret")).isPresent();
    keys.revoke(id);
    assertThat(keys.registerAdmin("bootstrap", "first-secret")).isEqualTo(id);
    assertThat(keys.authenticate("first-secret")).as("a revoked key stays revoked after a restart").isEmpty();
    assertThat(keys.list()).extracting(ApiKeys.KeyView::revokedAt).filteredOn(t -> t != null).hasSize(1);
  }

  @Test
  void namesAreCheckedAndUniqueAndTheLastAdminKeyStays() {
    String admin = keys.registerAdmin("bootstrap", "secret");
    ApiKeys.CreatedKey k = keys.create("team-1.a_b", false);
    assertThat(k.key()).matches("hs_[0-9a-f]{48}");
    assertThat(keys.authenticate(k.key())).hasValue(new Caller(k.id(), "team-1.a_b", false));
    assertThat(keys.list()).extracting(ApiKeys.KeyView::name).containsExactly("bootstrap", "team-1.a_b");
    for (String bad : new String[] {"", "-x", ".x", "a b", "a/b", "é", "n".repeat(65)}) {
      assertThatThrownBy(() -> keys.create(bad, false)).as(bad).isInstanceOfSatisfying(ApiException.class,
          e -> assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST));
    }
    assertThat(keys.create("n".repeat(64), false).name()).hasSize(64);
    assertThatThrownBy(() -> keys.create("team-1.a_b", true)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT));
    keys.revoke(k.id());
    assertThat(keys.authenticate(k.key())).isEmpty();
    assertThatThrownBy(() -> keys.create("team-1.a_b", false)).as("a revoked key's name stays taken")
        .isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> keys.revoke(admin)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT));
    String second = keys.create("ops", true).id();
    keys.revoke(admin);
    assertThat(keys.authenticate("secret")).isEmpty();
    assertThatThrownBy(() -> keys.revoke(second)).isInstanceOf(ApiException.class);
  }
}

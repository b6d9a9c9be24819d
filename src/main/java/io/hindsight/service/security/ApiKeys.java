package io.hindsight.service.security;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.api.Ids;
import io.hindsight.service.config.HindsightProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * API keys: only their SHA-256 hashes are stored (table {@code api_keys}), with a unique name, an
 * admin flag and a revocation time. Every request is checked against the database, so a key
 * revoked on one replica is refused by every replica from the next request on. At startup the key
 * from {@code HINDSIGHT_API_KEY} is registered as an admin key; if none is configured and the
 * database has no key, one is generated and written (owner-readable only) to
 * {@code <dataDir>/api-key} so a fresh {@code ./hindsight serve} works without setup and without
 * printing a secret to the log.
 */
@Service
public class ApiKeys implements SmartInitializingSingleton {
  /** Names of keys: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final HindsightProperties props;

  public ApiKeys(JdbcClient jdbc, TransactionTemplate tx, HindsightProperties props) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.props = props;
  }

  /** A key as listed: never its plaintext. {@code revokedAt} is absent while the key is valid. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record KeyView(String id, String name, boolean admin, Instant createdAt, Instant revokedAt) {}

  /** A key just created: the only time its plaintext {@code key} is shown. */
  public record CreatedKey(String id, String name, boolean admin, String key, Instant createdAt) {}

  /** Registers the bootstrap key once every bean (the Flyway migration included) is ready. */
  @Override
  public void afterSingletonsInstantiated() {
    String configured = props.getSecurity().getApiKey();
    if (configured != null && !configured.isBlank()) {
      registerAdmin("bootstrap", configured.strip());
      return;
    }
    Integer count = jdbc.sql("SELECT COUNT(*) FROM api_keys").query(Integer.class).single();
    if (count == 0) {
      String key = newKey();
      Path file = props.getDataDir().resolve("api-key");
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot write the generated API key to " + file, e);
      }
      registerAdmin("generated", key);
      LOG.warn("No HINDSIGHT_API_KEY configured: generated an API key; it is in {}", file.toAbsolutePath());
    }
  }

  /**
   * Registers a configured admin key (idempotent; replicas starting together may race) and returns
   * its id. A key revoked through the API stays revoked. When the name is taken by another key (a
   * rotated bootstrap key), the new one is named {@code <name>-<first 8 characters of its id>}.
   */
  String registerAdmin(String name, String key) {
    String hash = sha256(key);
    for (int tries = 0; ; tries++) {
      Optional<String> existing = jdbc.sql("SELECT id FROM api_keys WHERE key_hash = ?").param(hash)
          .query(String.class).optional();
      if (existing.isPresent()) {
        jdbc.sql("UPDATE api_keys SET admin = TRUE WHERE id = ?").param(existing.get()).update();
        return existing.get();
      }
      String id = Ids.newId();
      boolean taken = jdbc.sql("SELECT COUNT(*) FROM api_keys WHERE name = ?").param(name).query(Integer.class)
          .single() > 0;
      try {
        insert(id, taken ? name + "-" + id.substring(0, 8) : name, hash, true, Instant.now());
        return id;
      } catch (DuplicateKeyException e) {
        if (tries >= 3) {
          throw e;
        }
      }
    }
  }

  /** The caller holding {@code key}, or empty if the key is unknown or revoked. */
  public Optional<Caller> authenticate(String key) {
    if (key == null || key.isEmpty() || key.length() > 512) {
      return Optional.empty();
    }
    return jdbc.sql("SELECT id, name, admin FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
        .param(sha256(key)).query((rs, i) -> new Caller(rs.getString(1), rs.getString(2), rs.getBoolean(3)))
        .optional();
  }

  /** Creates a key; 400 for a bad name, 409 if the name is taken (also by a revoked key). */
  public CreatedKey create(String name, boolean admin) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw ApiException.badRequest("name", "a key name is 1-64 letters, digits, '.', '_' or '-', starting with a"
          + " letter or digit");
    }
    String key = newKey();
    String id = Ids.newId();
    Instant now = Instant.now();
    try {
      insert(id, name, sha256(key), admin, now);
    } catch (DuplicateKeyException e) {
      throw new ApiException(HttpStatus.CONFLICT, "Duplicate key name", "a key named '" + name
          + "' already exists (names stay taken after revocation)", "name");
    }
    return new CreatedKey(id, name, admin, key, now);
  }

  /** Every key, oldest first, revoked ones included. */
  public List<KeyView> list() {
    return jdbc.sql("SELECT id, name, admin, created_at, revoked_at FROM api_keys ORDER BY created_at, id")
        .query((rs, i) -> new KeyView(rs.getString(1), rs.getString(2), rs.getBoolean(3),
            rs.getTimestamp(4).toInstant(), rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant()))
        .list();
  }

  /**
   * Revokes key {@code id} (at once, for every replica); revoking a revoked key changes nothing.
   * 404 if there is no such key; 409 for the last valid admin key (nobody could manage keys then).
   */
  public void revoke(String id) {
    Ids.require(id, "id");
    tx.executeWithoutResult(s -> {
      // lock every valid admin key: two replicas revoking the last two admins cannot both succeed
      List<String> admins = jdbc.sql("SELECT id FROM api_keys WHERE admin = TRUE AND revoked_at IS NULL"
          + " ORDER BY id FOR UPDATE").query(String.class).list();
      var key = jdbc.sql("SELECT admin, revoked_at FROM api_keys WHERE id = ?").param(id)
          .query((rs, i) -> new Object[] {rs.getBoolean(1), rs.getTimestamp(2)}).optional()
          .orElseThrow(() -> ApiException.notFound("API key", id));
      if (key[1] != null) {
        return;
      }
      if ((Boolean) key[0] && admins.size() == 1) {
        throw ApiException.conflict("key " + id + " is the last valid admin key; create another admin key first");
      }
      jdbc.sql("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
          .params(Timestamp.from(Instant.now()), id).update();
    });
  }

  private void insert(String id, String name, String hash, boolean admin, Instant at) {
    jdbc.sql("INSERT INTO api_keys (id, name, key_hash, admin, created_at) VALUES (?, ?, ?, ?, ?)")
        .params(id, name, hash, admin, Timestamp.from(at)).update();
  }

  /** A new random key: {@code hs_} and 48 hex digits (192 bits). */
  static String newKey() {
    byte[] raw = new byte[24];
    RANDOM.nextBytes(raw);
    return "hs_" + HexFormat.of().formatHex(raw);
  }

  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @EventListener(ApplicationReadyEvent.class)
  void ready() {
    LOG.info("API keys: {} valid", jdbc.sql("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL")
        .query(Integer.class).single());
  }
}

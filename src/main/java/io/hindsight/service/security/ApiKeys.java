package io.hindsight.service.security;

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
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * API keys: only their SHA-256 hashes are stored (table {@code api_keys}). At startup the key from
 * {@code HINDSIGHT_API_KEY} is registered; if none is configured and the database has no key, one
 * is generated and written (owner-readable only) to {@code <dataDir>/api-key} so a fresh
 * {@code ./hindsight serve} works without setup and without printing a secret to the log.
 */
@Service
public class ApiKeys implements SmartInitializingSingleton {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
  private final JdbcClient jdbc;
  private final HindsightProperties props;
  private final Map<String, String> idsByHash = new ConcurrentHashMap<>();

  public ApiKeys(JdbcClient jdbc, HindsightProperties props) {
    this.jdbc = jdbc;
    this.props = props;
  }

  /** Registers the bootstrap key once every bean (the Flyway migration included) is ready. */
  @Override
  public void afterSingletonsInstantiated() {
    String configured = props.getSecurity().getApiKey();
    if (configured != null && !configured.isBlank()) {
      register("bootstrap", configured.strip());
      return;
    }
    Integer count = jdbc.sql("SELECT COUNT(*) FROM api_keys").query(Integer.class).single();
    if (count == 0) {
      byte[] raw = new byte[24];
      new SecureRandom().nextBytes(raw);
      String key = "hs_" + HexFormat.of().formatHex(raw);
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
      register("generated", key);
      LOG.warn("No HINDSIGHT_API_KEY configured: generated an API key; it is in {}", file.toAbsolutePath());
    }
  }

  /** Registers a key (idempotent) and returns its id. */
  public String register(String name, String key) {
    String hash = sha256(key);
    Optional<String> existing = jdbc.sql("SELECT id FROM api_keys WHERE key_hash = ?").param(hash)
        .query(String.class).optional();
    if (existing.isPresent()) {
      return existing.get();
    }
    String id = Ids.newId();
    jdbc.sql("INSERT INTO api_keys (id, name, key_hash, created_at) VALUES (?, ?, ?, ?)")
        .params(id, name, hash, java.sql.Timestamp.from(Instant.now())).update();
    return id;
  }

  /** The id of the key, or empty if it is unknown. */
  public Optional<String> authenticate(String key) {
    if (key == null || key.isEmpty() || key.length() > 512) {
      return Optional.empty();
    }
    String hash = sha256(key);
    String cached = idsByHash.get(hash);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<String> id = jdbc.sql("SELECT id FROM api_keys WHERE key_hash = ?").param(hash)
        .query(String.class).optional();
    id.ifPresent(v -> idsByHash.put(hash, v));
    return id;
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
    LOG.info("API keys: {} registered", jdbc.sql("SELECT COUNT(*) FROM api_keys").query(Integer.class).single());
  }
}

package io.hindsight.service.support;

import io.hindsight.service.HindsightServiceApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts a full service instance (its own Spring context and HTTP port) on a shared schema and data dir. */
public final class Replica implements AutoCloseable {
  private final ConfigurableApplicationContext context;
  private final String nodeId;

  private Replica(ConfigurableApplicationContext context, String nodeId) {
    this.context = context;
    this.nodeId = nodeId;
  }

  /** The properties a service instance needs to run on {@code schema} with data under {@code dataDir}. */
  public static List<String> properties(String schema, Path dataDir, String nodeId) {
    String[] db = TestDatabase.connection(schema);
    List<String> p = new ArrayList<>(List.of(
        "spring.datasource.url=" + db[0], "spring.datasource.username=" + db[1],
        "spring.datasource.password=" + db[2], "spring.flyway.schemas=" + schema,
        "spring.flyway.default-schema=" + schema, "spring.flyway.create-schemas=true",
        "server.port=0", "hindsight.data-dir=" + dataDir, "hindsight.security.api-key=" + Api.KEY,
        "hindsight.worker.node-id=" + nodeId, "hindsight.worker.poll-interval=100ms", "hindsight.worker.threads=1",
        "hindsight.events.progress-interval=50ms", "hindsight.events.poll-interval=100ms"));
    return p;
  }

  public static Replica start(String schema, Path dataDir, String nodeId, String... extra) {
    List<String> p = properties(schema, dataDir, nodeId);
    p.addAll(List.of(extra));
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(HindsightServiceApplication.class)
        .run(p.stream().map(a -> "--" + a).toArray(String[]::new));
    return new Replica(ctx, nodeId);
  }

  public int port() {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  public Api api() {
    return new Api(port());
  }

  public String nodeId() {
    return nodeId;
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  public boolean running() {
    return context.isActive();
  }

  @Override
  public void close() {
    if (context.isActive()) {
      context.close();
    }
  }
}

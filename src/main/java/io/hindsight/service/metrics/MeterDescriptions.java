package io.hindsight.service.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Gives every meter a description, so every family on {@code /actuator/prometheus} has HELP text
 * ({@code promtool check metrics} rejects a family without one). Meters registered with a
 * description keep it; the ones Spring and its libraries register without one (the
 * {@code http.server.requests} observation, ...) get theirs from {@link #KNOWN}; any other meter
 * gets a sentence built from its name and type, so a meter added later cannot break the
 * exposition.
 */
@Component
public class MeterDescriptions implements MeterFilter {
  /** Descriptions of meters that Spring Boot and its libraries register without one. */
  static final Map<String, String> KNOWN = Map.ofEntries(
      Map.entry("http.server.requests", "Duration of HTTP requests the service answered (API and actuator), by "
          + "method, URI template, status, outcome and exception"),
      Map.entry("http.server.requests.active", "HTTP requests the service is answering now, by method and URI"
          + " template"),
      Map.entry("http.client.requests", "Duration of HTTP requests the service made"),
      Map.entry("spring.security.filterchains", "Time spent in the Spring Security filter chains"),
      Map.entry("spring.security.authorizations", "Time spent on Spring Security authorization decisions"),
      Map.entry("spring.security.http.secured.requests", "Time spent on requests that passed Spring Security"),
      Map.entry("tasks.scheduled.execution", "Duration of scheduled task runs"),
      Map.entry("tasks.scheduled.execution.active", "Scheduled task runs in progress"),
      Map.entry("tomcat.sessions.active.current", "HTTP sessions active now (the API keeps none)"),
      Map.entry("tomcat.sessions.active.max", "Most HTTP sessions active at once"),
      Map.entry("tomcat.sessions.alive.max", "Longest time an expired HTTP session had been alive"),
      Map.entry("tomcat.sessions.created", "HTTP sessions created"),
      Map.entry("tomcat.sessions.expired", "HTTP sessions expired"),
      Map.entry("tomcat.sessions.rejected", "HTTP sessions refused because the most allowed were active"));

  @Override
  public Meter.Id map(Meter.Id id) {
    if (id.getDescription() != null && !id.getDescription().isBlank() || id.syntheticAssociation() != null) {
      return id;   // described already, or derived from another meter (mapping would drop that link)
    }
    String description = KNOWN.getOrDefault(id.getName(), fallback(id));
    return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), description, id.getType());
  }

  /** A sentence naming the meter and what kind of value it holds. */
  static String fallback(Meter.Id id) {
    String kind = switch (id.getType()) {
      case COUNTER -> "Count of";
      case GAUGE -> "Current value of";
      case TIMER, LONG_TASK_TIMER -> "Duration of";
      case DISTRIBUTION_SUMMARY -> "Distribution of";
      default -> "Measurement of";
    };
    return kind + " " + id.getName().replace('.', ' ').toLowerCase(Locale.ROOT)
        + (id.getBaseUnit() == null ? "" : " (" + id.getBaseUnit() + ")");
  }
}

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
  static final Map<String, String> KNOWN = Map.of(
      "http.server.requests", "Duration of HTTP requests the service answered (API and actuator), by method, "
          + "URI template, status, outcome and exception",
      "http.server.requests.active", "HTTP requests the service is answering now, by method and URI template",
      "http.client.requests", "Duration of HTTP requests the service made",
      "spring.security.filterchains", "Time spent in the Spring Security filter chains",
      "spring.security.authorizations", "Time spent on Spring Security authorization decisions",
      "spring.security.http.secured.requests", "Time spent on requests that passed Spring Security",
      "tasks.scheduled.execution", "Duration of scheduled task runs",
      "tasks.scheduled.execution.active", "Scheduled task runs in progress");

  @Override
  public Meter.Id map(Meter.Id id) {
    if (id.getDescription() != null && !id.getDescription().isBlank() || id.syntheticAssociation() != null) {
      return id;   // described already, or derived from a meter that is (the id keeps that link)
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

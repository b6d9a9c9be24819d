package io.hindsight.service;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The training-job service: an HTTP API over the engine ({@code /api/v1}), a durable job queue in
 * the database, and workers that run the queued jobs. Started by {@code ./hindsight serve}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class HindsightServiceApplication {

  /** Starts the service; the context stays up until the JVM is asked to stop. */
  public static ConfigurableApplicationContext start(String... args) {
    return SpringApplication.run(HindsightServiceApplication.class, args);
  }

  public static void main(String[] args) {
    start(args);
  }
}

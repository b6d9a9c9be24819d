package io.hindsight.cli;

import io.hindsight.service.HindsightServiceApplication;
import java.util.concurrent.CountDownLatch;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/** Starts the service and blocks until its application context is closed (SIGTERM, Ctrl-C). */
final class ServiceRun {
  private ServiceRun() {}

  /** @return 0 after a shutdown, 1 if the service did not start */
  static int runUntilClosed(String[] springArgs) throws InterruptedException {
    ConfigurableApplicationContext ctx = HindsightServiceApplication.start(springArgs);
    CountDownLatch closed = new CountDownLatch(1);
    ctx.addApplicationListener(e -> {
      if (e instanceof ContextClosedEvent) {
        closed.countDown();
      }
    });
    if (!ctx.isActive()) {
      return 1;
    }
    closed.await();
    return 0;
  }
}

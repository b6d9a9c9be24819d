package io.hindsight.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Whoever opens a backend closes it: closing ends every worker thread it started. */
class CpuBackendLifecycleTest {

  @Test
  void closeEndsTheWorkerThreads() throws InterruptedException {
    Set<Thread> workers = ConcurrentHashMap.newKeySet();
    try (CpuBackend backend = new CpuBackend(3)) {
      backend.parallelChunks(3000, 3, (chunk, start, end) -> workers.add(Thread.currentThread()));
    }
    assertTrue(workers.stream().anyMatch(t -> t.getName().startsWith("hindsight-cpu-")),
        "the pass ran on the backend's workers: " + workers);
    for (Thread t : workers) {
      t.join(5_000);
    }
    assertEquals(0, workers.stream().filter(Thread::isAlive).count(), "workers still alive after close: " + workers);
  }

  @Test
  void closingTwiceIsHarmless() {
    CpuBackend backend = new CpuBackend(2);
    backend.close();
    backend.close();
  }
}

package io.hindsight.backend;

import io.hindsight.cuda.CudaBackend;
import io.hindsight.cuda.CudaRuntime;

/**
 * Chooses the backend a job asked for: {@code cpu}; {@code cuda} (a GPU; asking for it where none
 * is usable is an error that says why); {@code cuda-sim} (the same CUDA backend on the software
 * device: every kernel runs as its Java reference, available everywhere, slow, for tests and for
 * checking a job before spending GPU time); {@code auto} (cuda when a GPU and the CUDA backend are
 * usable, else cpu; never cuda-sim). The caller closes the backend.
 */
public final class Backends {
  private Backends() {}

  /** Why the CUDA backend cannot be used here, or null if it can. */
  public static String cudaUnavailableReason() {
    CudaRuntime.Availability a = CudaRuntime.availability();
    return a.available() ? null : a.reason();
  }

  public static Backend create(String name, int threads) {
    int t = threads > 0 ? threads : CpuBackend.defaultThreads();
    return switch (name) {
      case "cpu" -> new CpuBackend(t);
      case "cuda-sim" -> CudaBackend.simulated(t);
      case "auto" -> cudaUnavailableReason() == null ? CudaBackend.create() : new CpuBackend(t);
      case "cuda" -> {
        String why = cudaUnavailableReason();
        if (why != null) {
          throw new IllegalArgumentException("backend 'cuda' is not available: " + why);
        }
        yield CudaBackend.create();
      }
      default -> throw new IllegalArgumentException("unknown backend '" + name + "'");
    };
  }
}

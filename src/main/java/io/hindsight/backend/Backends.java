package io.hindsight.backend;

/**
 * Chooses the backend a job asked for: {@code cpu}, {@code cuda}, or {@code auto} (cuda when a GPU
 * and the CUDA backend are usable, else cpu). Asking for {@code cuda} where it is unavailable is an
 * error that says why.
 */
public final class Backends {
  private Backends() {}

  /** Why the CUDA backend cannot be used here, or null if it can. */
  public static String cudaUnavailableReason() {
    return "this build has no CUDA backend";
  }

  public static Backend create(String name, int threads) {
    int t = threads > 0 ? threads : CpuBackend.defaultThreads();
    return switch (name) {
      case "cpu" -> new CpuBackend(t);
      case "auto" -> new CpuBackend(t);
      case "cuda" -> throw new IllegalArgumentException("backend 'cuda' is not available: " + cudaUnavailableReason());
      default -> throw new IllegalArgumentException("unknown backend '" + name + "'");
    };
  }
}

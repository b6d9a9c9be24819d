package io.hindsight.backend;

/**
 * Whether the CPU backend's GEMM uses explicit SIMD ({@link VectorGemmTile}, Java's incubating
 * Vector API) or the auto-vectorized scalar tile. Both give bit-identical results; SIMD is used when
 * the JVM was started with {@code --add-modules jdk.incubator.vector} (the launcher, the container
 * image, the GPU bundle and the test runner all do) unless the system property
 * {@code hindsight.simd=false} turns it off (for A/B benchmarks).
 */
public final class SimdSupport {
  private static final boolean ENABLED = detect();

  private SimdSupport() {}

  /** True when GEMM tiles run on {@link VectorGemmTile}. */
  public static boolean enabled() {
    return ENABLED;
  }

  /** A short description for provenance and benchmark headers, e.g. {@code "vector API, 512-bit"}. */
  public static String describe() {
    if (!ENABLED) {
      boolean present = modulePresent();
      return present ? "auto-vectorized (vector API off: hindsight.simd=false)"
          : "auto-vectorized (vector API not loaded: start java with --add-modules jdk.incubator.vector)";
    }
    return "vector API, " + VectorGemmTile.vectorBits() + "-bit";
  }

  private static boolean detect() {
    return modulePresent() && !"false".equalsIgnoreCase(System.getProperty("hindsight.simd", "true").trim());
  }

  private static boolean modulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }
}

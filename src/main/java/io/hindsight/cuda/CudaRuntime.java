package io.hindsight.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuInit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether the CUDA backend can run here, and why not. The probe never crashes the JVM on a
 * machine without a GPU: it loads JCuda's native driver binding (which needs the NVIDIA driver's
 * {@code libcuda.so.1}), initialises the driver, counts devices and looks for the compiled kernels
 * on the classpath, turning every failure ({@code UnsatisfiedLinkError}, a CUDA error, missing
 * images) into a reason string. The result is computed once per JVM.
 *
 * <p>Setting the system property {@code hindsight.cuda.disable=true} makes the backend report
 * itself unavailable.
 */
public final class CudaRuntime {
  /** Classpath folder holding the images written by src/main/cuda/build-ptx.sh. */
  public static final String PTX_RESOURCE_DIR = "/io/hindsight/cuda/ptx/";

  private static volatile Availability cached;

  private CudaRuntime() {}

  /** The outcome of the probe. */
  public record Availability(boolean available, String reason) {
    @Override
    public String toString() {
      return available ? "CUDA available" : "CUDA unavailable: " + reason;
    }
  }

  /** Probes once (thread-safe) and returns the cached outcome. */
  public static Availability availability() {
    Availability a = cached;
    if (a == null) {
      synchronized (CudaRuntime.class) {
        a = cached;
        if (a == null) {
          a = probe();
          cached = a;
        }
      }
    }
    return a;
  }

  /** Shorthand for {@code availability().available()}. */
  public static boolean isAvailable() {
    return availability().available();
  }

  private static Availability probe() {
    if (Boolean.getBoolean("hindsight.cuda.disable")) {
      return new Availability(false, "disabled by -Dhindsight.cuda.disable=true");
    }
    try {
      JCudaDriver.setExceptionsEnabled(false); // loads the native binding (and libcuda.so.1)
    } catch (LinkageError e) {
      return new Availability(false, "JCuda driver binding not loadable (no NVIDIA driver?): " + linkFailure(e));
    } catch (RuntimeException e) {
      return new Availability(false, "JCuda driver binding failed to initialise: " + causes(e));
    }
    int init = cuInit(0);
    if (init != CUresult.CUDA_SUCCESS) {
      return new Availability(false, "cuInit failed: " + CUresult.stringFor(init));
    }
    int[] count = new int[1];
    int rc = cuDeviceGetCount(count);
    if (rc != CUresult.CUDA_SUCCESS) {
      return new Availability(false, "cuDeviceGetCount failed: " + CUresult.stringFor(rc));
    }
    if (count[0] == 0) {
      return new Availability(false, "no CUDA device");
    }
    if (moduleNames().isEmpty()) {
      return new Availability(false, "no compiled CUDA kernels on the classpath (" + PTX_RESOURCE_DIR
          + "manifest.txt): nvcc was not found when the project was built");
    }
    return new Availability(true, "");
  }

  /** The CUDA images listed in the build's manifest (empty when nvcc was absent at build time). */
  public static List<String> imageNames() {
    List<String> out = new ArrayList<>();
    try (InputStream in = CudaRuntime.class.getResourceAsStream(PTX_RESOURCE_DIR + "manifest.txt")) {
      if (in == null) {
        return out;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          out.add(line.trim());
        }
      }
    } catch (IOException e) {
      throw new CudaException("cannot read the CUDA image manifest: " + e.getMessage());
    }
    return out;
  }

  /** Kernel module names ({@code quantize}, {@code gemm_s8}, ...) from the manifest, in order. */
  public static List<String> moduleNames() {
    Set<String> names = new LinkedHashSet<>();
    for (String image : imageNames()) {
      names.add(image.substring(0, image.indexOf('.')));
    }
    return new ArrayList<>(names);
  }

  /** The bytes of one image, or null when it is not on the classpath. */
  static byte[] readImage(String image) {
    try (InputStream in = CudaRuntime.class.getResourceAsStream(PTX_RESOURCE_DIR + image)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new CudaException("cannot read CUDA image " + image + ": " + e.getMessage());
    }
  }

  /**
   * The useful line of JCuda's multi-line load failure: the last nested {@code UnsatisfiedLinkError}
   * (the attempt to load the library extracted from the jar, which names the missing dependency,
   * e.g. {@code libcuda.so.1: cannot open shared object file}).
   */
  static String linkFailure(Throwable t) {
    String msg = String.valueOf(t.getMessage());
    String best = null;
    for (String line : msg.split("\n")) {
      String l = line.trim();
      int at = l.indexOf("UnsatisfiedLinkError: ");
      if (at >= 0 && !l.startsWith("at ")) {
        best = l.substring(at + "UnsatisfiedLinkError: ".length());
      }
    }
    if (best == null) {
      best = msg.split("\n", 2)[0];
    }
    return t.getClass().getSimpleName() + ": " + best;
  }

  private static String causes(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null && sb.length() < 600; c = c.getCause()) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return sb.toString();
  }
}

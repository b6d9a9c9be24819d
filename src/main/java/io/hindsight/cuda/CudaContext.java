package io.hindsight.cuda;

import static io.hindsight.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataEx;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * Device 0's primary context with every kernel module loaded. Each module is loaded with
 * {@code cuModuleLoadDataEx} from the best image on the classpath: the sm_90 cubin on a
 * compute-capability-9.0 device, else the sm_90 PTX (driver JIT), else the portable compute_80 PTX.
 *
 * <p>A driver context is current per thread: every entry point that touches the device calls
 * {@link #bind()} first. Memory, copies and launches go through {@link CudaDevice}.
 */
public final class CudaContext implements AutoCloseable {
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final List<CUmodule> modules = new ArrayList<>();
  private final Map<String, String> moduleImages = new LinkedHashMap<>();
  private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
  private final String name;
  private final int ccMajor;
  private final int ccMinor;
  private final int multiprocessors;
  private final long totalMemory;
  private final int driverVersion;
  private boolean closed;

  private CudaContext() {
    check("cuDeviceGet", cuDeviceGet(device, 0));
    check("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(context, device));
    check("cuCtxSetCurrent", cuCtxSetCurrent(context));
    byte[] nameBytes = new byte[256];
    check("cuDeviceGetName", cuDeviceGetName(nameBytes, nameBytes.length, device));
    int len = 0;
    while (len < nameBytes.length && nameBytes[len] != 0) {
      len++;
    }
    name = new String(nameBytes, 0, len, StandardCharsets.US_ASCII);
    ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    long[] mem = new long[1];
    check("cuDeviceTotalMem", cuDeviceTotalMem(mem, device));
    totalMemory = mem[0];
    int[] v = new int[1];
    check("cuDriverGetVersion", cuDriverGetVersion(v));
    driverVersion = v[0];
  }

  /**
   * Opens device 0 and loads all kernel modules.
   *
   * @throws CudaException naming the reason when CUDA is unavailable or a module cannot be loaded
   */
  public static CudaContext create() {
    CudaRuntime.Availability a = CudaRuntime.availability();
    if (!a.available()) {
      throw new CudaException("CUDA backend unavailable: " + a.reason());
    }
    CudaContext ctx = new CudaContext();
    try {
      for (String module : CudaRuntime.moduleNames()) {
        ctx.loadModule(module);
      }
    } catch (RuntimeException e) {
      ctx.close();
      throw e;
    }
    return ctx;
  }

  private int attribute(int attr) {
    int[] v = new int[1];
    check("cuDeviceGetAttribute(" + attr + ")", cuDeviceGetAttribute(v, attr, device));
    return v[0];
  }

  private void loadModule(String module) {
    List<String> candidates = new ArrayList<>();
    if (ccMajor == 9 && ccMinor == 0) {
      candidates.add(module + ".sm_90.cubin");
    }
    if (ccMajor >= 9) {
      candidates.add(module + ".sm_90.ptx");
    }
    if (ccMajor >= 8) {
      candidates.add(module + ".compute_80.ptx");
    }
    StringBuilder failures = new StringBuilder();
    for (String image : candidates) {
      byte[] data = CudaRuntime.readImage(image);
      if (data == null) {
        failures.append(' ').append(image).append(": not on the classpath;");
        continue;
      }
      if (image.endsWith(".ptx")) {
        byte[] z = new byte[data.length + 1]; // PTX is passed as a NUL-terminated string
        System.arraycopy(data, 0, z, 0, data.length);
        data = z;
      }
      CUmodule m = new CUmodule();
      int rc = cuModuleLoadDataEx(m, Pointer.to(data), 0, new int[0], Pointer.to(new int[0]));
      if (rc == CUresult.CUDA_SUCCESS) {
        modules.add(m);
        moduleImages.put(module, image);
        return;
      }
      failures.append(' ').append(image).append(": ").append(CUresult.stringFor(rc)).append(';');
    }
    throw new CudaException("cannot load CUDA module " + module + " on " + name + " (compute capability "
        + ccMajor + "." + ccMinor + "):" + failures);
  }

  /** Makes this context current on the calling thread. */
  public void bind() {
    if (closed) {
      throw new CudaException("CUDA context is closed");
    }
    check("cuCtxSetCurrent", cuCtxSetCurrent(context));
  }

  /** The kernel {@code name} from whichever loaded module defines it. */
  public CUfunction function(String kernel) {
    CUfunction f = functions.get(kernel);
    if (f != null) {
      return f;
    }
    for (CUmodule m : modules) {
      CUfunction candidate = new CUfunction();
      if (cuModuleGetFunction(candidate, m, kernel) == CUresult.CUDA_SUCCESS) {
        functions.put(kernel, candidate);
        return candidate;
      }
    }
    throw new CudaException("kernel " + kernel + " not found in modules " + moduleImages.keySet());
  }

  /** Waits for all work on the device; surfaces asynchronous kernel errors. */
  public void synchronize() {
    bind();
    check("cuCtxSynchronize", cuCtxSynchronize());
  }

  /** Free and total device memory as the driver reports them ({@code cuMemGetInfo}). */
  public long[] memoryInfo() {
    bind();
    long[] free = new long[1];
    long[] total = new long[1];
    check("cuMemGetInfo", cuMemGetInfo(free, total));
    return new long[] {free[0], total[0]};
  }

  public String name() {
    return name;
  }

  public int computeCapabilityMajor() {
    return ccMajor;
  }

  public int computeCapabilityMinor() {
    return ccMinor;
  }

  public int multiprocessors() {
    return multiprocessors;
  }

  public long totalMemory() {
    return totalMemory;
  }

  /** Which image each module was loaded from. */
  public Map<String, String> moduleImages() {
    return Map.copyOf(moduleImages);
  }

  /** One line describing the device, driver and loaded images. */
  public String describe() {
    return name + " (cc " + ccMajor + "." + ccMinor + ", " + multiprocessors + " SMs, "
        + totalMemory / (1L << 20) + " MiB, driver CUDA " + driverVersion / 1000 + "." + (driverVersion % 1000) / 10
        + ", images " + moduleImages.values() + ")";
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    cuCtxSetCurrent(context);
    for (CUmodule m : modules) {
      cuModuleUnload(m);
    }
    modules.clear();
    functions.clear();
    cuDevicePrimaryCtxRelease(device);
    closed = true;
  }
}

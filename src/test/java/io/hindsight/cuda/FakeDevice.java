package io.hindsight.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * Kernels and buffers without a GPU, for tests of code that enqueues kernels: launches are checked
 * by {@link CudaKernels}' argument validation and counted by the {@link TrafficCounter}, then
 * dropped; buffers have a size and no memory.
 */
public final class FakeDevice {
  private FakeDevice() {}

  /** What a launch would have run: the kernel, its grid and block, and its argument sizes in bytes. */
  public record Launch(String kernel, int gx, int gy, int gz, int bx, int by, int[] sizes) {}

  /** Kernel wrappers whose launches and copies go nowhere (an H100's 132 SMs, compute capability 9). */
  public static CudaKernels kernels(TrafficCounter traffic) {
    return kernels(traffic, launch -> {});
  }

  /** As {@link #kernels(TrafficCounter)}, handing every launch to {@code listener}. */
  public static CudaKernels kernels(TrafficCounter traffic, java.util.function.Consumer<Launch> listener) {
    return new CudaKernels(null, new CudaKernels.Launcher() {
      @Override
      public void launch(String kernel, int gx, int gy, int gz, int bx, int by, KernelArgs args) {
        listener.accept(new Launch(kernel, gx, gy, gz, bx, by, args.sizes()));
      }

      @Override
      public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {}

      @Override
      public int multiprocessors() {
        return 132;
      }

      @Override
      public int computeCapabilityMajor() {
        return 9;
      }
    }, traffic);
  }

  /** A buffer of {@code bytes} bytes with no device memory behind it. */
  public static DeviceBuffer buffer(long bytes) {
    return new DeviceBuffer(null, new CUdeviceptr(), bytes);
  }
}

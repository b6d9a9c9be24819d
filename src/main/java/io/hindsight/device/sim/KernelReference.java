package io.hindsight.device.sim;

/**
 * The Java reference of one CUDA kernel: given the launch (grid, block, arguments), it computes
 * exactly what the kernel computes. Where the kernel's arithmetic is order-dependent (reductions),
 * the kernel fixes its order and the reference follows it; each reference's comment says whether
 * it agrees with the kernel bit for bit or within a stated bound.
 */
@FunctionalInterface
public interface KernelReference {
  void run(SimLaunch launch);
}

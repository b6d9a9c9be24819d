/**
 * The device interface below the CUDA kernels: memory ({@link io.hindsight.device.DeviceBuffer},
 * owned by {@link io.hindsight.device.DeviceScope}s), host/device copies, kernel launches with
 * named, typed arguments ({@link io.hindsight.device.KernelArgs}, checked against the kernels'
 * signatures in {@code src/main/cuda}), synchronization and counters. Two implementations: the
 * JCuda driver-API device ({@code io.hindsight.cuda.CudaDevice}) and the software device
 * ({@link io.hindsight.device.sim.SoftwareDevice}), which runs every kernel as its Java reference
 * so the whole device path is tested on any machine.
 */
package io.hindsight.device;

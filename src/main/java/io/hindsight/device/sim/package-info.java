/**
 * The software device: the CUDA backend's exact host path (allocations, copies, the sequence of
 * kernel launches with their real arguments) with every kernel executed by its Java reference.
 * Fresh allocations are poisoned, use after free, out-of-bounds accesses, writes through
 * {@code const} parameters, argument lists that do not match the kernels' declared signatures and
 * leaks are errors that name the buffer and the launch; every launch's reads and writes are
 * counted and may be logged. It runs on every machine, so CI exercises the whole device path.
 */
package io.hindsight.device.sim;

/**
 * Device-resident layers: the model's layer tree (built by {@code io.hindsight.model.ModelFactory})
 * executed on a {@link io.hindsight.device.Device} with the CUDA kernels, each layer a paired
 * forward/backward on {@link io.hindsight.device.DeviceTensor}s, like its host twin in
 * {@code io.hindsight.nn} (same parameters, same semantics, the kernels' arithmetic). Parameters,
 * their gradients, momentum and BatchNorm statistics live on the device for the whole run
 * ({@link io.hindsight.device.nn.DeviceParameters}); activations saved for backward live in the
 * step's scope and are freed when the step ends.
 */
package io.hindsight.device.nn;

package io.hindsight.train;

/**
 * The {@code device} object of {@code result.json} for runs on a CUDA backend ({@code cuda} on a
 * GPU, {@code cuda-sim} on the software device): what crossed between host and device, how much
 * device memory the run held, and how many kernels it launched. Field names are public interface.
 *
 * @param kind {@code cuda} or {@code software}
 * @param name the device in words
 * @param hostToDeviceBytes bytes copied to the device over the whole run (initial upload, steps, evaluation)
 * @param deviceToHostBytes bytes copied back over the whole run (step results, evaluation, checkpoints)
 * @param hostToDeviceBytesPerStep mean over training steps (each step's batch and arguments only)
 * @param deviceToHostBytesPerStep mean over training steps (each step's read-back only)
 * @param steps training steps measured
 * @param peakDeviceBytes the most device memory allocated at once
 * @param liveBytesAtEnd device memory still allocated when the run ended (0: nothing leaked)
 * @param kernelLaunches kernels launched over the whole run
 * @param quantizationBytes device bytes the kernels moved to quantize over the training steps
 *     (counted launch by launch; compare the {@code quantization.traffic.run.bytesMoved} of the
 *     memory-traffic model; docs/memory-traffic.md says what each counts)
 */
public record DeviceReport(
    String kind,
    String name,
    long hostToDeviceBytes,
    long deviceToHostBytes,
    double hostToDeviceBytesPerStep,
    double deviceToHostBytesPerStep,
    long steps,
    long peakDeviceBytes,
    long liveBytesAtEnd,
    long kernelLaunches,
    long quantizationBytes) {}

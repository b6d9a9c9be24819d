package io.hindsight.train;

/**
 * A check an engine ran on itself before training (e.g. that libtorch computes a known
 * convolution gradient right on this machine). Every run records its engine's checks in its
 * provenance; a failed check is also reported to the run's listener as a warning, because the
 * run's numbers may then be wrong.
 *
 * @param name stable identifier, e.g. {@code libtorchConvInputGradient}
 * @param passed whether the engine met the check
 * @param detail what was checked and what was measured, in words
 */
public record SelfCheck(String name, boolean passed, String detail) {}

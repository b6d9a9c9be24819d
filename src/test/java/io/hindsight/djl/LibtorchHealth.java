package io.hindsight.djl;

import org.junit.jupiter.api.Assumptions;

/**
 * Lets a libtorch parity check stand down where libtorch itself is wrong on this CPU ({@link
 * LibtorchSelfCheck}): a failure there says nothing about our engine, so the check is reported as
 * skipped with the reason (its other assertions still run, and {@link FiniteDifferenceGradientTest}
 * checks our input gradients without libtorch). Where libtorch is healthy a mismatch still fails.
 */
final class LibtorchHealth {
  private LibtorchHealth() {}

  /**
   * Rethrows {@code failure} where libtorch is healthy; otherwise aborts the test (reported as
   * skipped) with the failure and the reason.
   */
  static void failUnlessLibtorchIsBroken(AssertionError failure) {
    LibtorchSelfCheck.Result check = LibtorchSelfCheck.convInputGradient();
    if (check.passed()) {
      throw failure;
    }
    Assumptions.abort("libtorch cannot serve as the reference on this CPU (" + check.describe() + "); our input "
        + "gradients are checked against finite differences instead. The libtorch comparison said: "
        + failure.getMessage());
  }
}

package io.hindsight.train;

/** The loss or gradients stayed NaN/Inf for more consecutive steps than the configured patience. */
public final class NumericalInstabilityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NumericalInstabilityException(String message) {
    super(message);
  }
}

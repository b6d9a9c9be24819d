package io.hindsight.device.sim;

/** A kernel reference touched memory outside its argument's buffer, or wrote through a {@code const} argument. */
final class SimAccessException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SimAccessException(String message) {
    super(message);
  }
}

package io.hindsight.cli;

/** Bad command-line usage that only a command can detect; the launcher prints the message and exits with status 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}

package io.hindsight.data;

import java.io.IOException;

/** A file that is not a well-formed IDX file of the expected kind (bad magic, sizes, truncation). */
public final class IdxFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public IdxFormatException(String message) {
    super(message);
  }
}

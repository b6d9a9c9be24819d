package io.hindsight.spec;

/**
 * An invalid job spec. {@link #field()} is the JSON path of the offending field
 * (e.g. {@code training.epochs}); the HTTP service turns it into a problem+json response.
 */
public final class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public SpecException(String field, String message) {
    super(field == null || field.isEmpty() ? message : field + ": " + message);
    this.field = field == null ? "" : field;
  }

  public String field() {
    return field;
  }

  /** The message without the field prefix. */
  public String detail() {
    String m = getMessage();
    return field.isEmpty() ? m : m.substring(field.length() + 2);
  }
}

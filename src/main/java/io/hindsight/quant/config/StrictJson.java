package io.hindsight.quant.config;

import java.util.Arrays;
import java.util.List;

/** Messages for the strict records' unknown-field rejection. */
final class StrictJson {
  private StrictJson() {}

  /** Thrown by the records' any-setters; {@link QuantConfigReader} turns it into a path. */
  static final class UnknownFieldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    UnknownFieldException(String field, Class<? extends Record> type) {
      super("unknown field '" + field + "'; expected one of " + fieldNames(type));
      this.field = field;
    }

    String field() {
      return field;
    }
  }

  static List<String> fieldNames(Class<? extends Record> type) {
    return Arrays.stream(type.getRecordComponents()).map(c -> c.getName()).toList();
  }
}

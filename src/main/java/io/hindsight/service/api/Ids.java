package io.hindsight.service.api;

import java.util.UUID;
import java.util.regex.Pattern;

/** Resource ids are lower-case UUIDs; anything else is a 400 naming the parameter. */
public final class Ids {
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private Ids() {}

  public static String newId() {
    return UUID.randomUUID().toString();
  }

  public static boolean isValid(String id) {
    return id != null && UUID_TEXT.matcher(id).matches();
  }

  /** Returns {@code id} or throws a 400 naming {@code field}. */
  public static String require(String id, String field) {
    if (!isValid(id)) {
      String shown = id == null ? "" : id.length() > 60 ? id.substring(0, 60) + "..." : id;
      throw ApiException.badRequest(field, "'" + shown.replaceAll("\\p{Cntrl}", "?")
          + "' is not a valid id (expected a lower-case UUID)");
    }
    return id;
  }
}

package io.hindsight.service.jobs;

import io.hindsight.service.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque {@code pageToken} of {@code GET /jobs}: base64url of {@code v1:<seq>:<status filter>},
 * the position after the last job returned. A token for one filter cannot be used with another.
 */
final class PageToken {
  private PageToken() {}

  static String encode(long seq, JobStatus status) {
    String raw = "v1:" + seq + ":" + (status == null ? "" : status.name());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The seq to continue before; 400 naming pageToken if it is not one of ours or is for another filter. */
  static long decode(String token, JobStatus status) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] p = raw.split(":", -1);
      if (p.length != 3 || !"v1".equals(p[0])) {
        throw new IllegalArgumentException();
      }
      long seq = Long.parseLong(p[1]);
      if (seq <= 0 || !p[2].equals(status == null ? "" : status.name())) {
        throw new IllegalArgumentException();
      }
      return seq;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("pageToken", "invalid page token (use nextPageToken from the previous page,"
          + " with the same status filter)");
    }
  }
}

package io.hindsight.service.security;

import io.hindsight.service.api.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;

/**
 * The API key a request authenticated with: its id (the owner recorded on the jobs, comparisons
 * and datasets it creates), its name (recorded in job histories) and whether it is an admin key
 * (which sees and acts on everything). {@link ApiKeyFilter} puts it on every {@code /api} request.
 */
public record Caller(String keyId, String name, boolean admin) {
  /** Request attribute holding the caller. */
  public static final String ATTRIBUTE = "hindsight.caller";

  /** The caller of a request that passed {@link ApiKeyFilter}. */
  public static Caller of(HttpServletRequest request) {
    Object c = request.getAttribute(ATTRIBUTE);
    if (!(c instanceof Caller caller)) {
      throw new IllegalStateException("request to " + request.getRequestURI() + " was not authenticated");
    }
    return caller;
  }

  /**
   * The SQL condition that keeps the rows this caller may see: {@code " AND <ownerColumn> = ?"}
   * (bind {@link #keyId()}) for an ordinary key, nothing for an admin key. See {@link #ownerParams()}.
   */
  public String ownedRows(String ownerColumn) {
    return admin ? "" : " AND " + ownerColumn + " = ?";
  }

  /** The parameters of {@link #ownedRows(String)}: the key id, or none for an admin key. */
  public java.util.List<Object> ownerParams() {
    return admin ? java.util.List.of() : java.util.List.of(keyId);
  }

  /** Throws 403 unless this is an admin key. */
  public void requireAdmin() {
    if (!admin) {
      throw new ApiException(HttpStatus.FORBIDDEN, "Forbidden", "this needs an admin API key; key '" + name
          + "' is not one", "Authorization");
    }
  }

  /** Whether this caller may see and act on something owned by {@code ownerKeyId}. */
  public boolean owns(String ownerKeyId) {
    return admin || keyId.equals(ownerKeyId);
  }
}

package io.hindsight.device;

/** A device operation failed or was misused; the message names the buffer, kernel or call involved. */
public class DeviceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceException(String message) {
    super(message);
  }

  public DeviceException(String message, Throwable cause) {
    super(message, cause);
  }
}

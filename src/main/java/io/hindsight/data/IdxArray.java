package io.hindsight.data;

/** The contents of an IDX file: its shape and its unsigned bytes (use {@code b & 0xff}). */
public record IdxArray(int[] shape, byte[] values) {
  public int count() {
    return shape[0];
  }
}

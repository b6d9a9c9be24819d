package io.hindsight.device;

/**
 * The type of one kernel parameter, as declared in the CUDA source and as it appears in PTX:
 * device pointers ({@code .u64}, read-only when declared {@code const}), 32-bit ints
 * ({@code int}, {@code unsigned int}: {@code .u32}/{@code .s32}), 64-bit ints ({@code long long},
 * {@code unsigned long long}: {@code .u64}/{@code .s64}) and floats ({@code .f32}).
 */
public enum ArgType {
  POINTER("pointer", 8),
  I32("int", 4),
  I64("long long", 8),
  F32("float", 4);

  private final String cName;
  private final int bytes;

  ArgType(String cName, int bytes) {
    this.cName = cName;
    this.bytes = bytes;
  }

  /** How the type reads in a message ({@code int}, {@code float}, ...). */
  public String cName() {
    return cName;
  }

  /** The parameter's size in the launch's parameter buffer. */
  public int bytes() {
    return bytes;
  }
}

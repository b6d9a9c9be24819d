package io.hindsight.cuda;

import jcuda.driver.CUresult;

/** A failed CUDA driver call, naming the call and the {@code CUresult}. */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int result;

  public CudaException(String message) {
    super(message);
    this.result = -1;
  }

  public CudaException(String call, int result) {
    super(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
    this.result = result;
  }

  /** The driver's {@code CUresult}, or -1 when the failure was not a driver call. */
  public int result() {
    return result;
  }

  /**
   * The one error-check path of the CUDA code: throws unless {@code result} is
   * {@code CUDA_SUCCESS}. Usage: {@code check("cuMemAlloc", cuMemAlloc(ptr, bytes))}.
   */
  public static void check(String call, int result) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call, result);
    }
  }
}

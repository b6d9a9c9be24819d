package io.hindsight.cuda;

import static io.hindsight.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import java.util.Arrays;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Times device work with CUDA events on the default stream: {@code warmup} untimed runs, then
 * {@code iterations} runs each bracketed by events; returns the median milliseconds per run.
 */
public final class GpuTimer implements AutoCloseable {
  private final CudaContext ctx;
  private final CUevent start = new CUevent();
  private final CUevent stop = new CUevent();

  public GpuTimer(CudaContext ctx) {
    this.ctx = ctx;
    ctx.bind();
    check("cuEventCreate", cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT));
    check("cuEventCreate", cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT));
  }

  /** Median device milliseconds of {@code body} over {@code iterations} timed runs. */
  public double medianMillis(Runnable body, int warmup, int iterations) {
    ctx.bind();
    for (int i = 0; i < warmup; i++) {
      body.run();
    }
    ctx.synchronize();
    double[] ms = new double[iterations];
    float[] t = new float[1];
    for (int i = 0; i < iterations; i++) {
      check("cuEventRecord", cuEventRecord(start, null));
      body.run();
      check("cuEventRecord", cuEventRecord(stop, null));
      check("cuEventSynchronize", cuEventSynchronize(stop));
      check("cuEventElapsedTime", cuEventElapsedTime(t, start, stop));
      ms[i] = t[0];
    }
    Arrays.sort(ms);
    return ms[iterations / 2];
  }

  @Override
  public void close() {
    ctx.bind();
    cuEventDestroy(start);
    cuEventDestroy(stop);
  }
}

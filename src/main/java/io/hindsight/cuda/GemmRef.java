package io.hindsight.cuda;

import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * CPU reference of the INT8 GEMM kernels (gemm_s8.cu), bit-exact: integer accumulation is exact
 * and every float operation below is one IEEE operation in the same order as the kernel.
 *
 * <p>NT GEMM with fused epilogue ({@code gemm_s8_nt_dp4a} / {@code gemm_s8_nt_mma}),
 * A {@code (M, K)}, B {@code (N, K)} int8 row-major:
 * <pre>
 *   acc  = sum_k A[m, k] * B[n, k]                              (int32)
 *   corr = acc - zeroPointA * sum_k B[n, k]
 *   y    = (float(corr) * scaleA) * scaleB[n | 0]  (+ bias[n])   then the activation
 *   out  = y (FP32)  or  QuantizeRef.code(y, out, rounding, seed, m * N + n)
 * </pre>
 * Weight gradient ({@code gemm_s8_tn_wgrad} then {@code wgrad_finish}), G {@code (M, N)}, X
 * {@code (M, K)} int8:
 * <pre>
 *   sums[c, n, k] = sum over the rows m of chunk c (WGRAD_FLUSH rows) of G[m, n] * (X[m, k] - zeroPointX)   (int32, exact)
 *   accf = float(sums[0, n, k]) + float(sums[1, n, k]) + ...   (chunk order)
 *   dW[n, k] = (accf * scaleG) * scaleX   (+ beta * dW[n, k] when beta != 0)
 * </pre>
 */
public final class GemmRef {
  /** Rows of m whose INT32 partial sums the weight-gradient kernel converts to FP32 at once. */
  public static final int WGRAD_FLUSH = 32768;

  private GemmRef() {}

  /**
   * The NT GEMM and its epilogue. Writes {@code outS8} when {@code e.out()} is set, else
   * {@code outF32}; returns the statistics of y (clipped counts the re-quantization).
   */
  public static QuantStats gemmNt(
      byte[] a, byte[] b, int m, int n, int k, GemmEpilogue e, byte[] outS8, float[] outF32) {
    checkSizes(a, (long) m * k, "A");
    checkSizes(b, (long) n * k, "B");
    e.check(n);
    QuantParams q = e.out();
    return gemmNt(a, b, m, n, k, 0, e.scaleA(), e.scaleB(), e.zeroPointA(), rowSum(b, n, k), e.bias(), e.activation(),
        q != null, q == null ? 1f : q.scale(0), q == null ? 0 : q.zeroPoint(0), q == null ? 0 : q.lo(0),
        q == null ? 0 : q.hi(0), e.rounding() == Rounding.STOCHASTIC, e.seed(), outS8, outF32);
  }

  /**
   * The NT GEMM with the kernel's epilogue arguments: {@code scaleB} of length 1 or N,
   * {@code colSumB} (N; read when {@code zeroPointA != 0}), {@code bias} (N) or null; the output is
   * re-quantized to int8 codes with {@code (outScale, zeroPoint, lo, hi)} when {@code quantizeOut},
   * else written as floats. {@code rowsPerSample > 0} stores output (i, j) at the NCHW index of pixel
   * {@code i % rowsPerSample} of sample {@code i / rowsPerSample}, channel j (which is also its
   * stochastic-rounding index). Returns the statistics of y.
   */
  public static QuantStats gemmNt(byte[] a, byte[] b, int m, int n, int k, int rowsPerSample, float scaleA, float[] scaleB,
      int zeroPointA, int[] colSumB, float[] bias, Activation activation, boolean quantizeOut, float outScale,
      int zeroPoint, int lo, int hi, boolean stochastic, long key, byte[] outS8, float[] outF32) {
    // rows are independent (each output's integer sum and epilogue are computed once, in the
    // kernel's order), so bands of rows run in parallel with the same bits; statistics merge
    int bands = Math.max(1, Math.min(m, 4 * Runtime.getRuntime().availableProcessors()));
    QuantizeRef.Accumulator[] parts = new QuantizeRef.Accumulator[bands];
    // ints vectorize where bytes do not; a long reduction axis runs as dot products of B's rows, a
    // short one (the input gradient's: K = output channels) as rows of B^T scaled and added
    boolean dots = k >= n;
    int[] bWide = widen(dots ? b : transpose(b, n, k), n * k);
    IntStream.range(0, bands).parallel().forEach(band -> {
      QuantizeRef.Accumulator acc = new QuantizeRef.Accumulator();
      int from = (int) ((long) m * band / bands);
      int to = (int) ((long) m * (band + 1) / bands);
      gemmNtRows(a, bWide, dots, from, to, n, k, rowsPerSample, scaleA, scaleB, zeroPointA, colSumB, bias, activation,
          quantizeOut, outScale, zeroPoint, lo, hi, stochastic, key, outS8, outF32, acc);
      parts[band] = acc;
    });
    QuantizeRef.Accumulator acc = new QuantizeRef.Accumulator();
    for (QuantizeRef.Accumulator part : parts) {
      acc.merge(part);
    }
    return acc.stats();
  }

  /**
   * {@code src[0, length)} sign-extended to ints: the reference's integer dot products run
   * on ints, which the JIT vectorizes (on bytes it does not; about 4x slower). Integer sums are
   * exact, so this changes no result.
   */
  private static int[] widen(byte[] src, int length) {
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      out[i] = src[i];
    }
    return out;
  }

  /** {@code sum_p a[ai + p] * b[bj + p]} over {@code k} terms, int32 (wrapping, as the kernel's). */
  private static int dot(int[] a, int ai, int[] b, int bj, int k) {
    int s = 0;
    for (int p = 0; p < k; p++) {
      s += a[ai + p] * b[bj + p];
    }
    return s;
  }

  /**
   * Rows {@code [from, to)} of the NT GEMM: {@code b} is B widened to ints, as {@code (N, K)} when
   * {@code dots}, else transposed to {@code (K, N)}; the exact integer sums are the same either way.
   */
  private static void gemmNtRows(byte[] a, int[] b, boolean dots, int from, int to, int n, int k, int rowsPerSample,
      float scaleA, float[] scaleB, int zeroPointA, int[] colSumB, float[] bias, Activation activation,
      boolean quantizeOut, float outScale, int zeroPoint, int lo, int hi, boolean stochastic, long key, byte[] outS8,
      float[] outF32, QuantizeRef.Accumulator acc) {
    float flo = lo;
    float fhi = hi;
    boolean perChannel = scaleB.length > 1;
    int[] row = new int[k];
    int[] sums = new int[n];
    for (int i = from; i < to; i++) {
      if (dots) {
        for (int p = 0; p < k; p++) {
          row[p] = a[i * k + p];
        }
        for (int j = 0; j < n; j++) {
          sums[j] = dot(row, 0, b, j * k, k);
        }
      } else {
        Arrays.fill(sums, 0);
        for (int p = 0; p < k; p++) {
          int av = a[i * k + p];
          if (av != 0) {
            int bp = p * n;
            for (int j = 0; j < n; j++) {
              sums[j] += av * b[bp + j];
            }
          }
        }
      }
      for (int j = 0; j < n; j++) {
        int s = sums[j];
        int corr = zeroPointA != 0 ? s - zeroPointA * colSumB[j] : s;
        float y = ((float) corr * scaleA) * scaleB[perChannel ? j : 0];
        if (bias != null) {
          y = y + bias[j];
        }
        y = activation.apply(y);
        acc.observe(y);
        long idx = rowsPerSample <= 0 ? (long) i * n + j
            : ((long) (i / rowsPerSample) * n + j) * rowsPerSample + i % rowsPerSample;
        if (quantizeOut) {
          int code;
          if (Float.isFinite(y)) {
            if (FakeQuant.clipped(y / outScale, flo, fhi)) {
              acc.clip();
            }
            code = (int) FakeQuant.level(y, outScale, flo, fhi, stochastic, key, idx) + zeroPoint;
          } else {
            code = (int) FakeQuant.nonFiniteLevel(y, flo, fhi) + zeroPoint;
          }
          outS8[(int) idx] = (byte) code;
        } else {
          outF32[(int) idx] = y;
        }
      }
    }
  }

  /** The weight gradient {@code dW (N, K)}; {@code dW} is read only when {@code beta != 0}. */
  public static void wgrad(
      byte[] g, byte[] x, int m, int n, int k, float scaleG, float scaleX, int zeroPointX, float beta, float[] dW) {
    int chunks = wgradChunks(m);
    int[] sums = new int[Math.multiplyExact(Math.multiplyExact(chunks, n), k)];
    wgradChunkSums(g, x, m, 0, m, n, k, zeroPointX, sums);
    wgradFinish(sums, chunks, n, k, scaleG, scaleX, beta, dW);
  }

  /** Chunks of {@link #WGRAD_FLUSH} rows in {@code m} rows (0 for none). */
  public static int wgradChunks(int m) {
    return (m + WGRAD_FLUSH - 1) / WGRAD_FLUSH;
  }

  /**
   * Phase 1 of the weight gradient ({@code gemm_s8_tn_wgrad}): adds, for rows {@code [m0, m1)} of G
   * {@code (M, N)} and X {@code (M, K)}, each row's {@code G[r, n] * (X[r, k] - zeroPointX)} to
   * {@code sums[(c * N + n) * K + k]}, c the row's chunk of {@link #WGRAD_FLUSH} rows. Integer
   * addition wraps and is associative, so any split of the rows into slices (the kernel's blocks
   * adding with atomics) leaves the same exact chunk sums; the chunk bound keeps them inside int32.
   */
  public static void wgradChunkSums(
      byte[] g, byte[] x, int m, int m0, int m1, int n, int k, int zeroPointX, int[] sums) {
    checkSizes(g, (long) m * n, "G");
    checkSizes(x, (long) m * k, "X");
    if (m0 < 0 || m1 > m || m0 > m1) {
      throw new IllegalArgumentException("rows [" + m0 + ", " + m1 + ") outside 0.." + m);
    }
    if (sums.length < (long) wgradChunks(m) * n * k) {
      throw new IllegalArgumentException("chunk sums hold " + sums.length + " of " + (long) wgradChunks(m) * n * k);
    }
    // rows in blocks, each block of X widened to ints less the zero point once (ints vectorize, bytes
    // do not), then every output column's sums over the block's rows; the exact integer sums are those
    // of any other order
    final int block = 256;
    int[] xs = new int[Math.min(block, Math.max(0, m1 - m0)) * k];
    for (int r0 = m0; r0 < m1; r0 += block) {
      int r1 = Math.min(m1, r0 + block);
      for (int i = 0; i < (r1 - r0) * k; i++) {
        xs[i] = x[r0 * k + i] - zeroPointX;
      }
      int from = r0;
      IntStream.range(0, n).parallel().forEach(j -> {
        for (int r = from; r < r1; r++) {
          int gv = g[r * n + j];
          if (gv == 0) {
            continue;
          }
          int base = ((r / WGRAD_FLUSH) * n + j) * k;
          int xr = (r - from) * k;
          for (int c = 0; c < k; c++) {
            sums[base + c] += gv * xs[xr + c];
          }
        }
      });
    }
  }

  /**
   * Phase 2 of the weight gradient ({@code wgrad_finish}): per output, the chunks' exact sums
   * converted to float and added in chunk order, then {@code dW = (accf * scaleG) * scaleX}
   * ({@code + beta * dW} when {@code beta != 0}; dW is read only then).
   */
  public static void wgradFinish(
      int[] sums, int chunks, int n, int k, float scaleG, float scaleX, float beta, float[] dW) {
    if (dW.length < (long) n * k) {
      throw new IllegalArgumentException("dW holds " + dW.length + " of " + (long) n * k + " values");
    }
    for (int idx = 0; idx < n * k; idx++) {
      float accf = 0f;
      for (int c = 0; c < chunks; c++) {
        accf = accf + (float) sums[c * n * k + idx];
      }
      float v = (accf * scaleG) * scaleX;
      if (beta != 0f) {
        v = beta * dW[idx] + v;
      }
      dW[idx] = v;
    }
  }

  /** {@code out[r] = sum_c in[r, c]} ({@code rowsum_s8}). */
  public static int[] rowSum(byte[] in, int rows, int cols) {
    int[] out = new int[rows];
    for (int r = 0; r < rows; r++) {
      int s = 0;
      for (int c = 0; c < cols; c++) {
        s += in[r * cols + c];
      }
      out[r] = s;
    }
    return out;
  }

  /** {@code out (cols, rows) = in (rows, cols)^T} ({@code transpose_s8}). */
  public static byte[] transpose(byte[] in, int rows, int cols) {
    byte[] out = new byte[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = in[r * cols + c];
      }
    }
    return out;
  }

  private static void checkSizes(byte[] arr, long needed, String what) {
    if (arr.length < needed) {
      throw new IllegalArgumentException(what + " holds " + arr.length + " of " + needed + " values");
    }
  }
}

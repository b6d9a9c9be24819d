package io.hindsight.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD form of {@link CpuGemm}'s tile: the same products, summed in the same order, with the C
 * tile held in vector registers instead of in memory.
 *
 * <p>The auto-vectorized tile loads and stores its accumulator rows for every few depths, so it is
 * bound by memory traffic, not arithmetic. Here a {@value #MR} x {@code NR} block of C (sixteen
 * vectors) stays in registers for a whole depth panel, fed by {@value #MR} values of A and
 * {@code NR} values of B per depth. Full blocks of A and B are read where they lie; only partial
 * blocks, a scaled A and a transposed B are packed first (packing cost more than it saved when a
 * panel of B serves only 16 rows of C, as in the convolutions here). Every element is still accumulated as
 * {@code c = c + a_p * b_p} for p in order, multiply then add (never fused, as Java's scalar
 * arithmetic), so the result is bit for bit that of the scalar tile, on any vector width. (Fused
 * multiply-adds made this kernel about 1.3x faster but the training step no faster measurably, and
 * would have tied results to the Vector API being loaded.) Needs the incubating module
 * {@code jdk.incubator.vector}; {@link SimdSupport} decides whether it is used.
 */
final class VectorGemmTile {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Rows of C per micro-tile. */
  static final int MR = 8;
  /** Columns of C per micro-tile: two vectors. */
  private static final int NR = 2 * L;
  private static final int KB = 256; // depth per packed panel

  /** Per-thread packed panels and the C tile, laid out micro-tile by micro-tile. */
  private static final class Scratch {
    float[] a = new float[0];
    float[] b = new float[0];
    float[] acc = new float[0];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private VectorGemmTile() {}

  static int vectorBits() {
    return S.vectorBitSize();
  }

  /**
   * C[i0:i1, j0:j1] = alpha * op(A)[i0:i1, :] * op(B)[:, j0:j1] + beta * C[i0:i1, j0:j1]; op(A) is A
   * (m, k) row-major, or with {@code transA} the transpose of A stored (k, m).
   */
  static void tile(
      int i0, int i1, int j0, int j1, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA, boolean transB, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    int rows = i1 - i0;
    int len = j1 - j0;
    int rowBlocks = (rows + MR - 1) / MR;
    int strips = (len + NR - 1) / NR;
    int kb = Math.min(KB, k);
    Scratch s = SCRATCH.get();
    float[] pa = ensure(s.a, rowBlocks * MR * kb);
    float[] pb = ensure(s.b, strips * NR * kb);
    float[] acc = ensure(s.acc, rowBlocks * strips * MR * NR);
    s.a = pa;
    s.b = pb;
    s.acc = acc;
    java.util.Arrays.fill(acc, 0, rowBlocks * strips * MR * NR, 0f);
    // Full blocks are read where they lie (alpha 1 leaves A's values exact); only partial blocks,
    // a scaled A and a transposed B are packed. Element (r, q) of a row block of A in place is
    // a[... + r * aRs + q * aQs]; packed, pa[... + r + q * MR]. Depth q of a strip of B starts at
    // b[... + q * ldb] in place, pb[... + q * NR] packed.
    int fullBlocks = alpha == 1f ? rows / MR : 0;
    int aRs = transA ? 1 : lda;
    int aQs = transA ? lda : 1;
    for (int p0 = 0; p0 < k; p0 += KB) {
      int depth = Math.min(k, p0 + KB) - p0;
      for (int rb = fullBlocks; rb < rowBlocks; rb++) {
        packA(transA, a, aOff, lda, alpha, i0, rows, p0, depth, rb, pa);
      }
      for (int st = 0; st < strips; st++) {
        float[] bArr;
        int bo;
        int bQs;
        if (!transB && (st + 1) * NR <= len) {
          bArr = b;
          bo = bOff + p0 * ldb + j0 + st * NR;
          bQs = ldb;
        } else {
          packB(transB, b, bOff, ldb, j0, len, p0, depth, st, pb);
          bArr = pb;
          bo = st * NR * depth;
          bQs = NR;
        }
        for (int rb = 0; rb < rowBlocks; rb++) {
          int co = (rb * strips + st) * MR * NR;
          if (rb < fullBlocks) {
            int r0 = i0 + rb * MR;
            int ao = transA ? aOff + p0 * lda + r0 : aOff + r0 * lda + p0;
            micro(depth, a, ao, aRs, aQs, bArr, bo, bQs, acc, co);
          } else {
            micro(depth, pa, rb * MR * depth, 1, MR, bArr, bo, bQs, acc, co);
          }
        }
      }
    }
    for (int r = 0; r < rows; r++) {
      int rb = r / MR;
      int dst = cOff + (i0 + r) * ldc + j0;
      for (int st = 0; st < strips; st++) {
        int src = (rb * strips + st) * MR * NR + (r % MR) * NR;
        int w = Math.min(NR, len - st * NR);
        int d = dst + st * NR;
        if (beta == 0f) {
          System.arraycopy(acc, src, c, d, w);
        } else {
          for (int j = 0; j < w; j++) {
            c[d + j] = beta * c[d + j] + acc[src + j];
          }
        }
      }
    }
  }

  private static float[] ensure(float[] buf, int size) {
    return buf.length >= size ? buf : new float[size];
  }

  /** Packs row block rb: pa[(rb, q, r)] = alpha * op(A)[i0 + rb*MR + r][p0 + q]; rows past the tile are zero. */
  private static void packA(boolean transA, float[] a, int aOff, int lda, float alpha, int i0, int rows, int p0,
      int depth, int rb, float[] pa) {
    int base = rb * MR * depth;
    int r0 = rb * MR;
    int w = Math.min(MR, rows - r0);
    if (transA) {
      // A stored (k, m): op(A)[i][p] = a[p * lda + i], so each depth's MR values are contiguous
      for (int q = 0; q < depth; q++) {
        int src = aOff + (p0 + q) * lda + i0 + r0;
        int d = base + q * MR;
        for (int r = 0; r < w; r++) {
          pa[d + r] = alpha * a[src + r];
        }
        for (int r = w; r < MR; r++) {
          pa[d + r] = 0f;
        }
      }
      return;
    }
    for (int r = 0; r < MR; r++) {
      if (r >= w) {
        for (int q = 0; q < depth; q++) {
          pa[base + q * MR + r] = 0f;
        }
        continue;
      }
      int src = aOff + (i0 + r0 + r) * lda + p0;
      for (int q = 0; q < depth; q++) {
        pa[base + q * MR + r] = alpha * a[src + q];
      }
    }
  }

  /** Packs strip st: pb[(st, q, j)] = op(B)[p0 + q][j0 + st*NR + j]; columns past the tile are zero. */
  private static void packB(boolean transB, float[] b, int bOff, int ldb, int j0, int len, int p0, int depth,
      int st, float[] pb) {
    int base = st * NR * depth;
    int w = Math.min(NR, len - st * NR);
    int col0 = j0 + st * NR;
    if (!transB) {
      for (int q = 0; q < depth; q++) {
        int d = base + q * NR;
        System.arraycopy(b, bOff + (p0 + q) * ldb + col0, pb, d, w);
        for (int j = w; j < NR; j++) {
          pb[d + j] = 0f;
        }
      }
      return;
    }
    // B stored (n, k): op(B)[p][j] = b[j * ldb + p]
    for (int j = 0; j < NR; j++) {
      if (j >= w) {
        for (int q = 0; q < depth; q++) {
          pb[base + q * NR + j] = 0f;
        }
        continue;
      }
      int src = bOff + (col0 + j) * ldb + p0;
      for (int q = 0; q < depth; q++) {
        pb[base + q * NR + j] = b[src + q];
      }
    }
  }

  /**
   * acc (MR, NR) += A (MR, depth) * B (depth, NR), one depth at a time, where A's element (r, q) is
   * {@code pa[ao + r * ars + q * aqs]} and B's depth q is the NR values from {@code pb[bo + q * bqs]}.
   * Written out by hand, sixteen named accumulators: C2 keeps named locals in registers, while a
   * loop over an array of vectors would spill them to memory on every depth.
   */
  private static void micro(int depth, float[] pa, int ao, int ars, int aqs, float[] pb, int bo, int bqs, float[] acc,
      int co) {
    int a1 = ars;
    int a2 = 2 * ars;
    int a3 = 3 * ars;
    int a4 = 4 * ars;
    int a5 = 5 * ars;
    int a6 = 6 * ars;
    int a7 = 7 * ars;
    FloatVector c00 = FloatVector.fromArray(S, acc, co);
    FloatVector c01 = FloatVector.fromArray(S, acc, co + L);
    FloatVector c10 = FloatVector.fromArray(S, acc, co + NR);
    FloatVector c11 = FloatVector.fromArray(S, acc, co + NR + L);
    FloatVector c20 = FloatVector.fromArray(S, acc, co + 2 * NR);
    FloatVector c21 = FloatVector.fromArray(S, acc, co + 2 * NR + L);
    FloatVector c30 = FloatVector.fromArray(S, acc, co + 3 * NR);
    FloatVector c31 = FloatVector.fromArray(S, acc, co + 3 * NR + L);
    FloatVector c40 = FloatVector.fromArray(S, acc, co + 4 * NR);
    FloatVector c41 = FloatVector.fromArray(S, acc, co + 4 * NR + L);
    FloatVector c50 = FloatVector.fromArray(S, acc, co + 5 * NR);
    FloatVector c51 = FloatVector.fromArray(S, acc, co + 5 * NR + L);
    FloatVector c60 = FloatVector.fromArray(S, acc, co + 6 * NR);
    FloatVector c61 = FloatVector.fromArray(S, acc, co + 6 * NR + L);
    FloatVector c70 = FloatVector.fromArray(S, acc, co + 7 * NR);
    FloatVector c71 = FloatVector.fromArray(S, acc, co + 7 * NR + L);
    for (int q = 0; q < depth; q++) {
      int bi = bo + q * bqs;
      FloatVector b0 = FloatVector.fromArray(S, pb, bi);
      FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
      int ai = ao + q * aqs;
      FloatVector x = FloatVector.broadcast(S, pa[ai]);
      c00 = c00.add(x.mul(b0));
      c01 = c01.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a1]);
      c10 = c10.add(x.mul(b0));
      c11 = c11.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a2]);
      c20 = c20.add(x.mul(b0));
      c21 = c21.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a3]);
      c30 = c30.add(x.mul(b0));
      c31 = c31.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a4]);
      c40 = c40.add(x.mul(b0));
      c41 = c41.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a5]);
      c50 = c50.add(x.mul(b0));
      c51 = c51.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a6]);
      c60 = c60.add(x.mul(b0));
      c61 = c61.add(x.mul(b1));
      x = FloatVector.broadcast(S, pa[ai + a7]);
      c70 = c70.add(x.mul(b0));
      c71 = c71.add(x.mul(b1));
    }
    c00.intoArray(acc, co);
    c01.intoArray(acc, co + L);
    c10.intoArray(acc, co + NR);
    c11.intoArray(acc, co + NR + L);
    c20.intoArray(acc, co + 2 * NR);
    c21.intoArray(acc, co + 2 * NR + L);
    c30.intoArray(acc, co + 3 * NR);
    c31.intoArray(acc, co + 3 * NR + L);
    c40.intoArray(acc, co + 4 * NR);
    c41.intoArray(acc, co + 4 * NR + L);
    c50.intoArray(acc, co + 5 * NR);
    c51.intoArray(acc, co + 5 * NR + L);
    c60.intoArray(acc, co + 6 * NR);
    c61.intoArray(acc, co + 6 * NR + L);
    c70.intoArray(acc, co + 7 * NR);
    c71.intoArray(acc, co + 7 * NR + L);
  }
}

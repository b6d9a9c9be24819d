package io.hindsight.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Short element-wise loops on the Vector API, for the runs of 16 to 64 values that the convolution
 * moves per receptive-field tap: too short for HotSpot's auto-vectorizer, whose unrolled vector
 * loop never starts on them. Element-wise, so results are bit for bit those of the scalar loops.
 * Only called when {@link SimdSupport#enabled()}.
 */
final class VectorOps {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private VectorOps() {}

  /** dst[d + i] = src[s + i] for i < len (a System.arraycopy costs more than the copy itself here). */
  static void copy(float[] src, int s, float[] dst, int d, int len) {
    int i = 0;
    for (; i + L <= len; i += L) {
      FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
    }
    for (; i < len; i++) {
      dst[d + i] = src[s + i];
    }
  }

  /** dst[d + i] = 0 for i < len. */
  static void zero(float[] dst, int d, int len) {
    int i = 0;
    FloatVector z = FloatVector.zero(S);
    for (; i + L <= len; i += L) {
      z.intoArray(dst, d + i);
    }
    for (; i < len; i++) {
      dst[d + i] = 0f;
    }
  }

  /** dst[d + i] += src[s + i] for i < len. */
  static void addInto(float[] dst, int d, float[] src, int s, int len) {
    int i = 0;
    for (; i + L <= len; i += L) {
      FloatVector.fromArray(S, dst, d + i).add(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
    }
    for (; i < len; i++) {
      dst[d + i] += src[s + i];
    }
  }
}

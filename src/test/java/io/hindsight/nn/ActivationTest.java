package io.hindsight.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * ReLU and ReLU6 on the values where branch-free code can go wrong: signed zeros, the clamp
 * boundaries, the smallest and largest floats, infinities and NaNs (both signs), compared bit for
 * bit (any NaN for a NaN: Java does not fix NaN payloads) with the definitions: forward {@code x > 0 ? min(x, upper) : (NaN ? x : +0)}, backward
 * {@code 0 < x < upper ? dy : +0}.
 */
class ActivationTest {
  private static final float[] X = {
      Float.NaN, Float.intBitsToFloat(0xFFC00000), -0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, 1f, -1f,
      5.9999995f, 6f, 6.0000005f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY};
  private static final float[] DY = {1.5f, Float.NaN, -0f, Float.NEGATIVE_INFINITY};

  @Test
  void reluAndRelu6MatchTheirDefinitionsBitForBit() {
    for (float upper : new float[] {Float.POSITIVE_INFINITY, 6f}) {
      Activation act = upper == 6f ? Activation.relu6("a") : Activation.relu("a");
      for (float dy : DY) {
        float[] y = act.forward(Tensor.of(X.clone(), X.length), true).data();
        float[] grad = new float[X.length];
        java.util.Arrays.fill(grad, dy);
        float[] dx = act.backward(Tensor.of(grad, X.length)).data();
        for (int i = 0; i < X.length; i++) {
          float v = X[i];
          float expectY = v > 0f ? Math.min(v, upper) : (Float.isNaN(v) ? v : 0f);
          float expectDx = v > 0f && v < upper ? dy : 0f;
          assertThat(Float.floatToIntBits(y[i])).as("y(%s), upper %s", v, upper)
              .isEqualTo(Float.floatToIntBits(expectY));
          assertThat(Float.floatToIntBits(dx[i])).as("dx(%s, dy %s), upper %s", v, dy, upper)
              .isEqualTo(Float.floatToIntBits(expectDx));
        }
      }
    }
  }
}

package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The device statistics struct: order-preserving float keys and the decoding of its words. */
class QuantStatsTest {

  @Test
  void keysOrderLikeFloats() {
    SplittableRandom r = new SplittableRandom(3);
    float[] special = {-0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};
    for (int i = 0; i < 20_000; i++) {
      float a = i < special.length ? special[i] : Float.intBitsToFloat(r.nextInt());
      float b = special[r.nextInt(special.length)];
      if (Float.isNaN(a)) {
        continue;
      }
      assertThat(Integer.signum(Integer.compare(QuantStats.key(a), QuantStats.key(b))))
          .as("%s vs %s", a, b).isEqualTo(Integer.signum(Float.compare(a, b)));
      assertThat(QuantStats.fromKey(QuantStats.key(a))).isEqualTo(a);
    }
  }

  @Test
  void statsDecodeFromDeviceWords() {
    int[] w = QuantStats.identityWords();
    assertThat(QuantStats.fromWords(w, 0)).isEqualTo(QuantStats.empty());
    int[] v = {QuantStats.key(-3.5f), QuantStats.key(7f), 5, 1, 9, 0};
    assertThat(QuantStats.fromWords(v, 0)).isEqualTo(new QuantStats(-3.5f, 7f, (1L << 32) + 5, 9));
  }
}

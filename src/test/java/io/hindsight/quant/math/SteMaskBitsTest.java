package io.hindsight.quant.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SteMaskBitsTest {
  @Test
  void oneBitPerElementInWholeWords() {
    assertThat(SteMaskBits.words(0)).isZero();
    assertThat(SteMaskBits.words(1)).isEqualTo(1);
    assertThat(SteMaskBits.words(32)).isEqualTo(1);
    assertThat(SteMaskBits.words(33)).isEqualTo(2);
    assertThat(SteMaskBits.bytes(65)).isEqualTo(12);
    assertThatThrownBy(() -> SteMaskBits.words(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void packedFlagsReadBackAtTheirIndex() {
    SplittableRandom r = new SplittableRandom(3);
    boolean[] stop = new boolean[97];
    for (int i = 0; i < stop.length; i++) {
      stop[i] = r.nextInt(4) == 0;
    }
    stop[31] = true; // a word's sign bit
    int[] w = SteMaskBits.pack(stop);
    assertThat(w).hasSize(4);
    for (int i = 0; i < stop.length; i++) {
      assertThat(SteMaskBits.stopped(w, i)).as("element %d", i).isEqualTo(stop[i]);
    }
    assertThat(w[0] >>> 31).isEqualTo(1);
    assertThat(w[3] >>> 1).as("the bits past the last element stay clear").isZero();
  }
}

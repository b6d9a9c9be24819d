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
    assertThat(SteMaskBits.summaryWords(65)).isEqualTo(1);
    assertThat(SteMaskBits.bufferBytes(65)).isEqualTo(16);
    assertThat(SteMaskBits.summaryWords(1024)).isEqualTo(1);
    assertThat(SteMaskBits.summaryWords(1025)).isEqualTo(2);
    assertThat(SteMaskBits.bufferWords(1025)).isEqualTo(33 + 2);
    assertThatThrownBy(() -> SteMaskBits.words(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBufferAloneSaysWhereItsSummaryBegins() {
    for (long e = 0; e < 100_000; e += 7) {
      assertThat(SteMaskBits.wordsOfBuffer(SteMaskBits.bufferBytes(e))).as("%d elements", e)
          .isEqualTo(SteMaskBits.words(e));
    }
    assertThat(SteMaskBits.wordsOfBuffer(4L * 33)).isEqualTo(32);
    assertThatThrownBy(() -> SteMaskBits.wordsOfBuffer(4L * 34)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("summary");
    assertThatThrownBy(() -> SteMaskBits.wordsOfBuffer(6)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole words");
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
    assertThat(w).hasSize(4 + 1);
    for (int i = 0; i < stop.length; i++) {
      assertThat(SteMaskBits.stopped(w, i)).as("element %d", i).isEqualTo(stop[i]);
    }
    assertThat(w[0] >>> 31).isEqualTo(1);
    assertThat(w[3] >>> 1).as("the bits past the last element stay clear").isZero();
    int summary = 0;
    for (int j = 0; j < 4; j++) {
      summary |= w[j] != 0 ? 1 << j : 0;
    }
    assertThat(w[4]).as("the summary marks the words with a bit set").isEqualTo(summary);
  }

  @Test
  void theSummaryMarksOnlyWordsWithAStoppedElement() {
    boolean[] stop = new boolean[3000];
    stop[5] = true;
    stop[2047] = true; // word 63: summary word 1's last bit
    stop[2048] = true; // word 64: summary word 2's first bit
    int[] b = SteMaskBits.pack(stop);
    long w = SteMaskBits.words(stop.length);
    assertThat(b).hasSize(94 + 3);
    assertThat(b[(int) w]).isEqualTo(1);
    assertThat(b[(int) w + 1]).isEqualTo(1 << 31);
    assertThat(b[(int) w + 2]).isEqualTo(1);
  }
}

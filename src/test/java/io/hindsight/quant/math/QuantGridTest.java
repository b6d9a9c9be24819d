package io.hindsight.quant.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuantGridTest {

  @Test
  void symmetricGridIsTheRestrictedSignedRange() {
    assertThat(new QuantGrid(8, true).qmin()).isEqualTo(-127);
    assertThat(new QuantGrid(8, true).qmax()).isEqualTo(127);
    assertThat(new QuantGrid(2, true).qmin()).isEqualTo(-1);
    assertThat(new QuantGrid(2, true).qmax()).isEqualTo(1);
    assertThat(new QuantGrid(16, true).qmax()).isEqualTo(32767);
  }

  @Test
  void asymmetricGridIsTheFullSignedRange() {
    assertThat(new QuantGrid(8, false).qmin()).isEqualTo(-128);
    assertThat(new QuantGrid(8, false).qmax()).isEqualTo(127);
    assertThat(new QuantGrid(8, false).steps()).isEqualTo(255);
    assertThat(new QuantGrid(2, false).qmin()).isEqualTo(-2);
    assertThat(new QuantGrid(2, false).qmax()).isEqualTo(1);
    assertThat(new QuantGrid(16, false).steps()).isEqualTo(65535);
    assertThat(new QuantGrid(16, false).levelBytes()).isEqualTo(2);
  }

  @Test
  void bitsOutsideTwoToSixteenAreRejected() {
    assertThatThrownBy(() -> new QuantGrid(1, true)).hasMessageContaining("bits must be in [2, 16]");
    assertThatThrownBy(() -> new QuantGrid(17, false)).hasMessageContaining("got 17");
  }
}

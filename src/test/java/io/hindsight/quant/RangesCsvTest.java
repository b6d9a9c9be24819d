package io.hindsight.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one ranges.csv codec: what it writes, and the rule it reads by (torn last line, resumed steps). */
class RangesCsvTest {
  static final String H = RangesCsv.HEADER + "\n";

  static QuantizationRecord rec(long step, String q, double lo, double hi, double oLo, double oHi) {
    return new QuantizationRecord(step, q, lo, hi, oLo, oHi, 0.25, 1, 0, 4, false, 4, 52);
  }

  @Test
  void writerRowsReadBackExactlyIncludingNaN() throws IOException {
    StringWriter out = new StringWriter();
    RangesCsv.Writer w = new RangesCsv.Writer(out, 2, true);
    for (long s = 0; s < 5; s++) {
      w.onQuantized(rec(s, "fc/activation", -1.0 / (s + 3), 0.1 * s, s == 2 ? Double.NaN : -0.5, 1e-7 * s));
    }
    assertThat(out.toString()).startsWith(H).endsWith("\n");
    List<RangesCsv.Row> rows = RangesCsv.parse(out.toString(), "ranges.csv");
    assertThat(rows).extracting(RangesCsv.Row::step).containsExactly(0L, 2L, 4L);
    assertThat(rows.get(1)).isEqualTo(RangesCsv.Row.of(rec(2, "fc/activation", -1.0 / 5, 0.2, Double.NaN, 2e-7)));
    assertThat(RangesCsv.format(rows)).isEqualTo(out.toString());
    assertThat(rec(2, "q", 1, 2, 3, 4).csvRow()).isEqualTo("2,q,1.0,2.0,3.0,4.0,0.25");
  }

  @Test
  void aTornLastLineIsLeftOutWhetherOrNotItParses() throws IOException {
    String rows = H + "0,a/activation,-1.0,1.0,-1.0,1.0,0.0\n";
    assertThat(RangesCsv.parse(rows + "1,a/activation,-1.0,1.0,-1.0,1.0,0.0", "f")).hasSize(1); // no newline
    assertThat(RangesCsv.parse(rows + "1,a/activation,-1.0,1.", "f")).hasSize(1);
    assertThat(RangesCsv.parse(rows + "1,a/activation,-1.0,1.\n", "f")).hasSize(1); // cut, then a newline
    assertThat(RangesCsv.parse(rows + "\n\n", "f")).hasSize(1);
  }

  @Test
  void aMalformedLineBeforeTheLastIsAnErrorNamingFileAndLine() {
    assertThatThrownBy(() -> RangesCsv.parse(H + "0,a,1.0\n1,a/activation,-1.0,1.0,-1.0,1.0,0.0\n", "r.csv"))
        .isInstanceOf(IOException.class).hasMessageContaining("r.csv:2");
    assertThatThrownBy(() -> RangesCsv.parse(H + "0,a,x,1,1,1,0\n1,a/activation,-1.0,1.0,-1.0,1.0,0.0\n", "r.csv"))
        .isInstanceOf(IOException.class).hasMessageContaining("r.csv:2").hasMessageContaining("not a number");
    assertThatThrownBy(() -> RangesCsv.parse("step,quantizer,min\n", "r.csv")).hasMessageContaining("header");
    assertThatThrownBy(() -> RangesCsv.parse("", "r.csv")).hasMessageContaining("empty");
  }

  @Test
  void stepsWrittenAgainAfterAResumeReplaceTheEarlierRows() throws IOException {
    String text = H
        + "0,a/activation,-1.0,1.0,-1.0,1.0,0.0\n"
        + "0,a/gradient,-2.0,2.0,-2.0,2.0,0.0\n"
        + "1,a/activation,-1.1,1.1,-1.1,1.1,0.0\n"
        + "1,a/gradient,-2.1,2.1,-2.1,2.1,0.0\n"
        + "1,a/activation,-9.0,9.0,-9.0,9.0,0.5\n" // the resumed run redoes step 1
        + "1,a/gradient,-8.0,8.0,-8.0,8.0,0.5\n"
        + "2,a/activation,-1.2,1.2,-1.2,1.2,0.0\n";
    List<RangesCsv.Row> rows = RangesCsv.parse(text, "f");
    assertThat(rows).extracting(r -> r.step() + " " + r.quantizer() + " " + r.usedMax())
        .containsExactly("0 a/activation 1.0", "0 a/gradient 2.0", "1 a/activation 9.0", "1 a/gradient 8.0",
            "2 a/activation 1.2");
  }

  @Test
  void aResumedRunKeepsTheCompleteStepsUpToItsCheckpoint(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("ranges.csv");
    Files.writeString(f, H + "0,a/activation,-1.0,1.0,-1.0,1.0,0.0\n" + "1,a/activation,-1.1,1.1,-1.1,1.1,0.0\n"
        + "2,a/activation,-1.2,1.2,-1.2,1.2,0.0\n" + "3,a/activ");
    StepCsv.keepStepsUpTo(f, 1);
    assertThat(Files.readString(f)).isEqualTo(H + "0,a/activation,-1.0,1.0,-1.0,1.0,0.0\n"
        + "1,a/activation,-1.1,1.1,-1.1,1.1,0.0\n");
    Path traffic = dir.resolve("traffic.csv");
    Files.writeString(traffic, "step,quantizations,elements\n0,3,10\n5,3,10\n");
    StepCsv.keepStepsUpTo(traffic, 4);
    assertThat(Files.readString(traffic)).isEqualTo("step,quantizations,elements\n0,3,10\n");
  }
}

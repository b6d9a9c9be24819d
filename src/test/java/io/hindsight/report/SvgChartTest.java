package io.hindsight.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.quant.RangesCsv;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The chart renderer: round ticks, grid on both axes, titled axes, a legend off the data, print-safe strokes. */
class SvgChartTest {
  @Test
  void ticksAreRoundAndCoverTheData() {
    SvgChart.Ticks t = SvgChart.Ticks.of(0, 2340, 0, true);
    assertThat(t.values()).containsExactly(0.0, 500.0, 1000.0, 1500.0, 2000.0);
    assertThat(t.labels()).containsExactly("0", "500", "1000", "1500", "2000");
    assertThat(t.exponent()).isZero();
    assertThat(t.lo()).isZero();
    assertThat(t.hi()).isEqualTo(2340);

    SvgChart.Ticks acc = SvgChart.Ticks.of(86.2, 91.7, 0, false);
    assertThat(acc.labels()).containsExactly("87", "88", "89", "90", "91");

    SvgChart.Ticks epochs = SvgChart.Ticks.of(1, 3, 0.04, true);
    assertThat(epochs.labels()).containsExactly("1", "2", "3");
    assertThat(epochs.lo()).isLessThan(1);

    SvgChart.Ticks small = SvgChart.Ticks.of(-3.1e-4, 4.9e-4, 0.05, false);
    assertThat(small.exponent()).isEqualTo(-4);
    assertThat(small.labels()).contains("\u22122", "0", "2", "4");
    assertThat(small.lo()).isLessThan(-3.1e-4);
    assertThat(small.hi()).isGreaterThan(4.9e-4);

    assertThat(SvgChart.Ticks.of(0.5, 0.5, 0, false).values()).hasSizeGreaterThan(2);
    assertThat(SvgChart.Ticks.of(Double.NaN, Double.NaN, 0, false).values()).isNotEmpty();
    assertThat(SvgChart.Ticks.of(0, 0.9, 0, false).labels()).contains("0.2", "0.8");
  }

  static List<RangesCsv.Row> rows() {
    List<RangesCsv.Row> rows = new ArrayList<>();
    for (int s = 0; s <= 300; s += 10) {
      double obs = 1 + 0.5 * Math.sin(s / 40.0);
      rows.add(new RangesCsv.Row(s, "conv1/gradient", -obs * 1e-4, obs * 1e-4, -obs * 1.1e-4,
          s == 150 ? Double.NaN : obs * 1.05e-4, 0.01));
    }
    return rows;
  }

  @Test
  void rangeChartHasGridTicksUnitsAndItsLegendOutsideTheData() {
    String svg = RangeChart.svg("cnn: conv1/gradient (hindsight-minmax)", rows());
    assertThat(svg).startsWith("<svg").contains("</svg>");
    Matcher clip = Pattern.compile("<clipPath id=\"data\"><rect x=\"(\\d+)\" y=\"(\\d+)\" width=\"(\\d+)\"")
        .matcher(svg);
    assertThat(clip.find()).isTrue();
    int right = Integer.parseInt(clip.group(1)) + Integer.parseInt(clip.group(3));
    for (String label : List.of("used max", "used min", "observed max", "observed min")) {
      Matcher m = Pattern.compile("<text x=\"(\\d+)\" y=\"\\d+\">" + label + "</text>").matcher(svg);
      assertThat(m.find()).as(label).isTrue();
      assertThat(Integer.parseInt(m.group(1))).as("legend entry %s right of the data area", label)
          .isGreaterThan(right);
    }
    String grid = svg.substring(svg.indexOf("<g class=\"grid\""), svg.indexOf("</g>"));
    long vertical = Pattern.compile("x1=\"([\\d.]+)\" y1=\"\\d+\" x2=\"\\1\"").matcher(grid).results().count();
    long horizontal = Pattern.compile("y1=\"([\\d.]+)\" x2=\"\\d+\" y2=\"\\1\"").matcher(grid).results().count();
    assertThat(vertical).as("x grid lines").isGreaterThanOrEqualTo(4);
    assertThat(horizontal).as("y grid lines").isGreaterThanOrEqualTo(4);
    assertThat(svg).contains("training step (mini-batches)", "range bounds (gradient value, \u00d710\u207b\u2074)");
    // used (solid) and observed (dashed, dotted) differ by stroke pattern, not only by colour
    assertThat(polyline(svg, "used max")).doesNotContain("stroke-dasharray");
    assertThat(polyline(svg, "observed max")).contains("stroke-dasharray=\"8 5\"");
    assertThat(polyline(svg, "observed min")).contains("stroke-dasharray=\"2 4\"");
    assertThat(svg).contains("<polygon fill="); // the used range shaded
    // the NaN at step 150 breaks the observed max line in two
    assertThat(Pattern.compile("<title>observed max</title>").matcher(svg).results().count()).isEqualTo(2);
  }

  private static String polyline(String svg, String label) {
    int end = svg.indexOf("<title>" + label + "</title>");
    return svg.substring(svg.lastIndexOf("<polyline", end), end);
  }

  @Test
  void accuracyChartInPercentWithAPatternAndMarkerPerRunAndEscapedLabels() {
    SvgChart c = new SvgChart("a <b> & \"c\"", new SvgChart.Axis("epoch", ""), new SvgChart.Axis("test accuracy", "%"));
    for (int i = 0; i < 3; i++) {
      c.add(new SvgChart.Series("run " + i + " <x>", new double[] {1, 2, 3}, new double[] {80 + i, 85 + i, 88 + i}, i,
          SvgChart.Stroke.cycle(i), SvgChart.Marker.cycle(i), 1.8));
    }
    String svg = c.render();
    assertThat(svg).contains("test accuracy (%)", ">epoch<", "a &lt;b&gt; &amp; &quot;c&quot;", "run 0 &lt;x&gt;")
        .doesNotContain("<x>");
    assertThat(svg).contains("<circle", "<rect x=", "stroke-dasharray=\"8 5\"", "stroke-dasharray=\"2 4\"");
  }
}

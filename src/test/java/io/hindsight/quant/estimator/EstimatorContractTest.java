package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.create;
import static io.hindsight.quant.estimator.Steps.eval;
import static io.hindsight.quant.estimator.Steps.train;
import static io.hindsight.quant.estimator.Steps.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.quant.math.Range;
import io.hindsight.util.Rng;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Properties every estimator must have: non-finite safety, evaluation purity, exact state round trips. */
class EstimatorContractTest {

  private static float[] tensor(Rng rng, double scale) {
    float[] x = new float[64];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rng.nextGaussian() * scale);
    }
    return x;
  }

  @ParameterizedTest
  @EnumSource(EstimatorType.class)
  void staticOrDynamicAsDeclared(EstimatorType type) {
    RangeEstimator e = create(type);
    assertThat(e.type()).isEqualTo(type);
    assertThat(e.isStatic()).isEqualTo(type.isStatic());
    train(e, -1f, 1f);
    assertThat(e.needsCurrentStats(true)).isEqualTo(!type.isStatic());
  }

  @ParameterizedTest
  @EnumSource(EstimatorType.class)
  void nonFiniteStatisticsNeverPoisonTheRange(EstimatorType type) {
    RangeEstimator e = create(type);
    train(e, -1f, 0.5f, 1f);
    Range r1 = train(e, -0.5f, 2f);
    Map<String, String> before = withoutEvents(e.state());

    Range used = train(e, Float.NaN, 100f, Float.POSITIVE_INFINITY, -1000f);
    if (type.isStatic()) {
      assertThat(used).isEqualTo(e.range(io.hindsight.quant.estimator.RangeRequest.withoutCurrent(1, true)));
    } else {
      assertThat(used).isEqualTo(r1); // the last range used on a finite tensor
    }
    assertThat(used.envelopeMax()).isLessThan(100);
    assertThat(e.nonFiniteEvents()).isEqualTo(1);
    assertThat(withoutEvents(e.state())).isEqualTo(before);
    train(e, Float.NEGATIVE_INFINITY);
    assertThat(e.nonFiniteEvents()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(EstimatorType.class)
  void evaluationNeverChangesTheState(EstimatorType type) {
    RangeEstimator e = create(type);
    Rng rng = new Rng(3);
    train(e, tensor(rng, 1));
    train(e, tensor(rng, 2));
    Map<String, String> before = view(e.state());
    eval(e, tensor(rng, 50));
    eval(e, Float.NaN, 3f);
    assertThat(view(e.state())).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(EstimatorType.class)
  void restoredStateReproducesTheNextRangesExactly(EstimatorType type) {
    RangeEstimator original = create(type);
    Rng rng = new Rng(type.ordinal());
    for (int t = 0; t < 6; t++) {
      train(original, tensor(rng, 1 + t));
    }
    Map<String, double[]> saved = original.state();
    RangeEstimator resumed = create(type);
    resumed.restore(new HashMap<>(saved));
    assertThat(view(resumed.state())).isEqualTo(view(saved));
    for (int t = 0; t < 6; t++) {
      float[] x = tensor(rng, 3 - 0.4 * t);
      assertThat(train(resumed, x)).isEqualTo(train(original, x));
    }
  }

  private static Map<String, String> withoutEvents(Map<String, double[]> state) {
    Map<String, String> v = view(state);
    v.remove("nonFiniteEvents");
    return v;
  }
}

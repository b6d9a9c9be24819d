package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.quant.QuantizationRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunHealthTest {
  private final List<HealthFlag> told = new ArrayList<>();
  private final RunHealth health = new RunHealth(new TrainingListener() {
    @Override
    public void onHealthFlag(HealthFlag flag) {
      told.add(flag);
    }
  }, 10);

  private static QuantizationRecord record(long step, String quantizer, double clippedFraction) {
    return new QuantizationRecord(step, quantizer, 0, 9.3, 0, 50.2, clippedFraction, (long) (clippedFraction * 1000),
        0, 1000, false, 112, 1280);
  }

  @Test
  void aHealthyRunRaisesNothing() {
    for (int s = 0; s < 200; s++) {
      health.onQuantized(record(s, "fc2/activation", s % 7 == 0 ? 0.001 : 0));
      health.onStepLoss(s, 2.3 * Math.exp(-s / 50.0) + 0.2 + 0.1 * Math.sin(s)); // noisy, falling
    }
    assertThat(health.flags()).isEmpty();
    assertThat(health.resultSection().get("diverged").asBoolean()).isFalse();
  }

  @Test
  void flagsTheFirstClippingSpikeOfEachQuantizerAndTheDivergenceNamingIt() {
    health.onQuantized(record(0, "fc2/activation", 0));
    health.onStepLoss(0, 2.3);
    health.onQuantized(record(1, "fc2/activation", 0.142)); // the range lagged behind a 5x jump
    health.onQuantized(record(1, "fc1/gradient", 0.011)); // under the threshold
    health.onStepLoss(1, 2.5);
    health.onQuantized(record(2, "fc2/activation", 0.2)); // the same quantizer again: no second flag
    long step = 2;
    for (; health.flags().size() < 2 && step < 200; step++) {
      health.onStepLoss(step, 6.0); // learning went backwards and stayed there
    }
    assertThat(told).isEqualTo(health.flags());
    assertThat(health.flags()).extracting(HealthFlag::kind)
        .containsExactly(HealthFlag.CLIPPING_SPIKE, HealthFlag.LOSS_DIVERGENCE);
    HealthFlag spike = health.flags().get(0);
    assertThat(spike.step()).isEqualTo(1);
    assertThat(spike.quantizer()).isEqualTo("fc2/activation");
    assertThat(spike.tensorKind()).isEqualTo("activation");
    assertThat(spike.message()).contains("fc2/activation clipped 14.20% of its tensor at step 1");
    HealthFlag divergence = health.flags().get(1);
    assertThat(divergence.quantizer()).isEqualTo("fc2/activation");
    // judged once 2 windows are in, flagged after a window over the threshold, at the stretch's first step
    assertThat(divergence.step()).isEqualTo(step - RunHealth.LOSS_WINDOW).isBetween(40L, 45L);
    assertThat(divergence.threshold()).isEqualTo(RunHealth.LOSS_STUCK * 2.3);
    assertThat(divergence.value()).isGreaterThan(divergence.threshold());
    health.onStepLoss(step, Double.NaN); // once per run
    assertThat(health.flags()).hasSize(2);
  }

  @Test
  void aSpikeTheRunRecoversFromIsNoDivergence() {
    health.onStepLoss(0, 2.3);
    health.onStepLoss(1, 20.0); // the first update blew the logits up
    for (int s = 2; s < 300; s++) {
      health.onStepLoss(s, 0.4 + 1.9 * Math.exp(-s / 40.0));
    }
    assertThat(health.flags()).isEmpty();
  }

  @Test
  void aRunStuckAtTheUntrainedLossDiverged() {
    for (int s = 0; s < 200; s++) {
      health.onStepLoss(s, s == 0 ? 2.31 : 2.30 + 0.3 * Math.sin(s)); // chance, forever
    }
    assertThat(health.flags()).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo(HealthFlag.LOSS_DIVERGENCE);
      assertThat(f.step()).isEqualTo(2L * RunHealth.LOSS_WINDOW);
    });
  }

  @Test
  void aRunBackAtChanceDivergedEvenWhenItsFirstLossWasHigher() {
    health.onStepLoss(0, 2.9); // an initialization whose loss is above chance's, ln 10 = 2.303
    for (int s = 1; s < 200; s++) {
      health.onStepLoss(s, s < 10 ? 6.0 : 2.303); // a blow-up, then the uniform prediction
    }
    assertThat(health.flags()).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo(HealthFlag.LOSS_DIVERGENCE);
      assertThat(f.threshold()).isCloseTo(RunHealth.LOSS_STUCK * Math.log(10), within(1e-12));
    });
  }

  @Test
  void aNonFiniteLossIsADivergenceAtItsStep() {
    health.onStepLoss(0, 2.3);
    health.onStepLoss(1, Double.NaN);
    assertThat(health.flags()).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo(HealthFlag.LOSS_DIVERGENCE);
      assertThat(f.step()).isEqualTo(1);
      assertThat(f.value()).isNaN();
      assertThat(f.quantizer()).isNull();
      assertThat(f.tensorKind()).isEqualTo("none");
    });
  }

  @Test
  void aLaterBlowUpCountsAgainstTheLowestSmoothedLoss() {
    long s = 0;
    for (; s < 100; s++) {
      health.onStepLoss(s, s < 30 ? 2.3 - s * 0.06 : 0.5);
    }
    assertThat(health.flags()).isEmpty();
    for (; s < 200 && health.flags().isEmpty(); s++) {
      health.onStepLoss(s, 2.0); // far above 0.5, still under the first loss
    }
    assertThat(health.flags()).singleElement().satisfies(f -> assertThat(f.step()).isBetween(100L, 110L));
  }

  @Test
  void aResumedRunKeepsItsFlagsAndLossHistory() {
    health.onStepLoss(0, 2.3);
    health.onQuantized(record(1, "conv2/gradient", 0.5));
    JsonNode state = health.saveState();
    RunHealth resumed = new RunHealth(null, 10);
    resumed.restoreState(state);
    assertThat(resumed.flags()).isEqualTo(health.flags());
    resumed.onQuantized(record(2, "conv2/gradient", 0.5)); // already flagged
    for (int s = 1; s < 100; s++) {
      resumed.onStepLoss(s, 100.0); // judged against the first loss from before the checkpoint
    }
    assertThat(resumed.flags()).extracting(HealthFlag::kind)
        .containsExactly(HealthFlag.CLIPPING_SPIKE, HealthFlag.LOSS_DIVERGENCE);
    assertThat(resumed.flags().get(1).threshold()).isEqualTo(RunHealth.LOSS_STUCK * 2.3);
  }
}

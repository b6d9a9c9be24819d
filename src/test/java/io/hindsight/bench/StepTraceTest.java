package io.hindsight.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.device.MirrorDevice;
import io.hindsight.device.sim.KernelReference;
import io.hindsight.device.sim.KernelReferences;
import io.hindsight.device.sim.SoftwareDevice;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The step trace compares two devices kernel by kernel and names the first kernel that computes something else. */
class StepTraceTest {

  @Test
  void identicalDevicesAgreeOnEveryLaunch() {
    try (SoftwareDevice a = new SoftwareDevice(); SoftwareDevice b = new SoftwareDevice()) {
      StepTrace.Result r = StepTrace.trace("cnn", 4, a, b);
      assertThat(r.launches()).isGreaterThan(40);
      assertThat(r.divergences()).isEmpty();
      assertThat(r.identical()).isEqualTo(r.launches());
      assertThat(a.counters().liveBytes()).isZero();
      assertThat(b.counters().liveBytes()).isZero();
    }
  }

  @Test
  void aKernelThatComputesSomethingElseIsNamedAsTheFirstDivergence() {
    // a faulty ReLU backward on the "GPU" side: lets the gradient through where the input was negative
    KernelReference correct = KernelReferences.of("relu_bwd");
    KernelReference faulty = l -> {
      correct.run(l);
      if (l.i64("n") > 0) {
        l.view("dx").putF(0, l.view("dy").getF(0) + 1f);
      }
    };
    try (SoftwareDevice gpu = new SoftwareDevice(Map.of("relu_bwd", faulty)); SoftwareDevice ref = new SoftwareDevice()) {
      StepTrace.Result r = StepTrace.trace("mlp", 4, gpu, ref);
      assertThat(r.divergences()).isNotEmpty();
      MirrorDevice.Divergence first = r.divergences().get(0);
      assertThat(first.kernel()).isEqualTo("relu_bwd");
      assertThat(first.arg()).isEqualTo("dx");
      assertThat(first.label()).contains("relu2 dX");
      assertThat(first.toString()).contains("ulps apart at float element 0");
      // the reference is re-synchronised after each divergence: only the faulty kernel's launches are reported
      assertThat(r.divergences()).allMatch(d -> d.kernel().equals("relu_bwd"));
    }
  }
}

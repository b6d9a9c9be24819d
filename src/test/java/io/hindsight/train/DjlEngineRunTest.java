package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.djl.LibtorchSelfCheck;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A whole run of the DJL/libtorch baseline engine ({@code "engine": "djl"}) through the same entry
 * point as the command line and the service: it trains, and it records (and, where libtorch is
 * wrong on this machine, warns about) its libtorch self-check.
 */
class DjlEngineRunTest {
  @Test
  void trainsAndRecordsItsLibtorchSelfCheck() throws IOException {
    ResolvedSpec spec = JobSpecs.parseAndResolve("""
        {"model": {"arch": "mlp"}, "engine": "djl",
         "dataset": {"name": "synthetic", "trainLimit": 256, "testLimit": 64},
         "training": {"epochs": 2, "batchSize": 32, "learningRate": 0.05, "seed": 7}}""");
    List<String> warnings = new ArrayList<>();
    TrainingResult r = TrainingJobs.newTrainer(spec, new CpuBackend(1), new TrainingListener() {
      @Override
      public void onWarning(String message) {
        warnings.add(message);
      }
    }, null, null, null).run();

    assertThat(r.testAccuracy()).isGreaterThan(0.9);
    assertThat(r.provenance().engine()).isEqualTo("djl");
    assertThat(r.provenance().versions()).containsKey("libtorch");
    LibtorchSelfCheck.Result check = LibtorchSelfCheck.convInputGradient();
    SelfCheck recorded = r.provenance().selfChecks().get(0);
    assertThat(r.provenance().selfChecks()).hasSize(1);
    assertThat(recorded.name()).isEqualTo("libtorchConvInputGradient");
    assertThat(recorded.passed()).isEqualTo(check.passed());
    assertThat(recorded.detail()).isEqualTo(check.describe()).contains("direct loop");
    if (check.passed()) {
      assertThat(warnings).isEmpty();
      assertThat(check.maxError()).isLessThanOrEqualTo(LibtorchSelfCheck.TOLERANCE);
    } else {
      assertThat(warnings).singleElement().asString().contains("DOES NOT match");
      assertThat(check.maxError()).isGreaterThan(LibtorchSelfCheck.TOLERANCE);
    }
  }
}

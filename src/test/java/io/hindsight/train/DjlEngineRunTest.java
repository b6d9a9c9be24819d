package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.djl.LibtorchSelfCheck;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.util.Rng;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whole runs of the DJL/libtorch baseline engine ({@code "engine": "djl"}) through the same entry
 * point as the command line and the service: it trains, and it records (and, where libtorch is
 * wrong on this machine for the model's shapes, warns about) its libtorch self-check.
 */
class DjlEngineRunTest {
  private static TrainingResult run(String model, int trainLimit, int epochs, List<String> warnings)
      throws IOException {
    ResolvedSpec spec = JobSpecs.parseAndResolve("""
        {"model": %s, "engine": "djl",
         "dataset": {"name": "synthetic", "trainLimit": %d, "testLimit": 64},
         "training": {"epochs": %d, "batchSize": 32, "learningRate": 0.05, "seed": 7}}"""
        .formatted(model, trainLimit, epochs));
    TrainingResult r = TrainingJobs.newTrainer(spec, new CpuBackend(1), new TrainingListener() {
      @Override
      public void onWarning(String message) {
        warnings.add(message);
      }
    }, null, null, null).run();
    // the run's thread count (CpuBackend(1)), not the count libtorch had before the run configured it
    assertThat(r.provenance().versions().get("libtorch")).contains(", 1 intra-op");
    return r;
  }

  @Test
  void trainsAModelWithoutConvolutionsAndRecordsThatNothingNeededChecking() throws IOException {
    List<String> warnings = new ArrayList<>();
    TrainingResult r = run("{\"arch\": \"mlp\"}", 256, 2, warnings);
    assertThat(r.testAccuracy()).isGreaterThan(0.9);
    assertThat(r.provenance().engine()).isEqualTo("djl");
    assertThat(r.provenance().selfChecks()).containsExactly(new SelfCheck("libtorchConvInputGradient", true,
        new LibtorchSelfCheck.Result(true, 0, "no convolutions").describe()));
    assertThat(warnings).isEmpty();
  }

  @Test
  void recordsTheCheckOfItsModelsConvolutionsAndWarnsWhereLibtorchFails() throws IOException {
    List<String> warnings = new ArrayList<>();
    // two steps only: where libtorch is wrong the loss may turn NaN, and patience (3) is not reached
    TrainingResult r = run("{\"arch\": \"cnn\", \"width\": 0.125}", 64, 1, warnings);
    // width 0.125: conv2 has 8 output channels, a shape libtorch got wrong on one AVX-512 VM
    Model cnn = new ModelFactory(new CpuBackend(1), null, new Rng(1)).build("cnn", 0.125, 0, new int[] {1, 28, 28},
        10, new Rng(7));
    LibtorchSelfCheck.Result check = LibtorchSelfCheck.check(LibtorchSelfCheck.convolutionShapes(cnn));
    assertThat(r.provenance().selfChecks()).containsExactly(
        new SelfCheck("libtorchConvInputGradient", check.passed(), check.describe()));
    assertThat(check.describe()).contains("x (2, 4, 14, 14), 3x3 kernel, 8 output channels");
    if (check.passed()) {
      assertThat(warnings).isEmpty();
      assertThat(check.maxError()).isLessThanOrEqualTo(LibtorchSelfCheck.TOLERANCE);
    } else {
      assertThat(warnings).singleElement().asString().contains("DOES NOT match").contains("may be wrong");
      assertThat(check.maxError()).isGreaterThan(LibtorchSelfCheck.TOLERANCE);
    }
  }
}

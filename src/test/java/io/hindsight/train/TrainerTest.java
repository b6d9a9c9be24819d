package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.backend.CpuBackend;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  static ResolvedSpec spec(String arch, String extraTraining, String extraModel) {
    return spec(arch, extraTraining, extraModel, "");
  }

  /** A small synthetic job; {@code extraTraining} may override the learning rate (default 0.05). */
  static ResolvedSpec spec(String arch, String extraTraining, String extraModel, String augment) {
    String lr = extraTraining.contains("learningRate") ? "" : ", \"learningRate\": 0.05";
    return JobSpecs.parseAndResolve("""
        {"model": {"arch": "%s" %s},
         "dataset": {"name": "synthetic", "trainLimit": 256, "testLimit": 64 %s},
         "training": {"epochs": 2, "batchSize": 32, "seed": 7 %s %s}}"""
        .formatted(arch, extraModel, augment, lr, extraTraining));
  }

  static TrainingResult train(ResolvedSpec spec, int threads, Path ckpt, Checkpoint resume, long cancelAt)
      throws IOException {
    AtomicLong steps = new AtomicLong(resume == null ? 0 : resume.globalStep());
    return Trainer.builder()
        .spec(spec)
        .backend(new CpuBackend(threads))
        .data(TrainingData.load(spec))
        .checkpointFile(ckpt)
        .resumeFrom(resume)
        .cancelled(() -> cancelAt > 0 && steps.get() >= cancelAt)
        .listener(new TrainingListener() {
          @Override
          public void onStep(StepProgress p) {
            steps.set(p.globalStep());
          }
        })
        .build()
        .run();
  }

  @Test
  void learnsTheSyntheticTask() throws IOException {
    TrainingResult r = train(spec("mlp", "", ""), 2, null, null, 0);
    assertThat(r.testAccuracy()).isGreaterThan(0.9);
    assertThat(r.epochs()).hasSize(2);
    assertThat(r.epochs().get(1).trainLoss()).isLessThan(r.epochs().get(0).trainLoss());
    assertThat(r.steps()).isEqualTo(16);
    assertThat(r.provenance().seed()).isEqualTo(7);
    assertThat(r.provenance().backend()).isEqualTo("cpu");
    assertThat(r.provenance().threads()).isEqualTo(2);
    assertThat(r.provenance().versions()).containsKeys("hindsight", "java", "os");
    assertThat(r.provenance().selfChecks()).isEmpty();
  }

  @Test
  void failedEngineSelfCheckIsWarnedAboutAndRecorded() throws IOException {
    ResolvedSpec s = spec("mlp", "", "");
    SelfCheck failed = new SelfCheck("referenceGradient", false, "off by 3 orders of magnitude");
    List<String> warnings = new ArrayList<>();
    List<String> order = new ArrayList<>();
    TrainingResult r = Trainer.builder()
        .spec(s)
        .backend(new CpuBackend(1))
        .data(TrainingData.load(s))
        .engineFactory((spec, model, sgd) -> {
          StepEngine ours = new HindsightStepEngine(model, sgd);
          return new StepEngine() {
            @Override
            public StepOutcome trainStep(io.hindsight.data.Batch batch, double lr) {
              return ours.trainStep(batch, lr);
            }

            @Override
            public StepOutcome evaluate(io.hindsight.data.Batch batch) {
              return ours.evaluate(batch);
            }

            @Override
            public List<SelfCheck> selfChecks() {
              return List.of(failed, new SelfCheck("other", true, "fine"));
            }
          };
        })
        .listener(new TrainingListener() {
          @Override
          public void onWarning(String message) {
            warnings.add(message);
            order.add("warning");
          }

          @Override
          public void onStart(int epochs, int stepsPerEpoch, long resumedAtStep) {
            order.add("start");
          }
        })
        .build()
        .run();
    assertThat(warnings).singleElement().asString()
        .contains("referenceGradient").contains("off by 3 orders of magnitude").contains("may be wrong");
    assertThat(order).startsWith("warning", "start");
    assertThat(r.provenance().selfChecks()).containsExactly(failed, new SelfCheck("other", true, "fine"));
    TrainingResult reread = ResultJson.read(writeResult(r));
    assertThat(reread.provenance().selfChecks()).isEqualTo(r.provenance().selfChecks());
  }

  private static Path writeResult(TrainingResult r) throws IOException {
    Path f = Files.createTempFile("result", ".json");
    ResultJson.write(r, f);
    return f;
  }

  @Test
  void sameSeedSameResultWhateverTheThreadCount() throws IOException {
    ResolvedSpec s = spec("resnet20", "", ", \"width\": 0.25");
    TrainingResult one = train(s, 1, null, null, 0);
    TrainingResult three = train(s, 3, null, null, 0);
    assertThat(three.epochs().get(1).trainLoss()).isEqualTo(one.epochs().get(1).trainLoss());
    assertThat(three.testAccuracy()).isEqualTo(one.testAccuracy());
    assertThat(three.testLoss()).isEqualTo(one.testLoss());
  }

  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws IOException {
    ResolvedSpec s = JobSpecs.resolve(JobSpecs.parse(JobSpecs.toJson(spec("cnn", "", ", \"dropout\": 0.3",
        ", \"augment\": {\"cropPadding\": 2, \"flip\": true}"))
        .replace("\"checkpoint\":{\"everySteps\":0}", "\"checkpoint\":{\"everySteps\":3}")));
    assertThat(s.checkpoint().everySteps()).isEqualTo(3);
    TrainingResult full = train(s, 2, dir.resolve("full.bin"), null, 0);

    Path ckpt = dir.resolve("interrupted.bin");
    assertThatThrownBy(() -> train(s, 2, ckpt, null, 11)).isInstanceOf(TrainingCancelledException.class);
    Checkpoint c = CheckpointIo.read(ckpt);
    assertThat(c.globalStep()).isEqualTo(11);
    assertThat(c.epoch()).isEqualTo(1);
    assertThat(c.batchInEpoch()).isEqualTo(3);
    TrainingResult resumed = train(s, 2, ckpt, c, 0);

    assertThat(resumed.provenance().resumedFromStep()).isEqualTo(11);
    assertThat(resumed.testAccuracy()).isEqualTo(full.testAccuracy());
    assertThat(resumed.testLoss()).isEqualTo(full.testLoss());
    for (int e = 0; e < 2; e++) {
      assertThat(resumed.epochs().get(e).trainLoss()).isEqualTo(full.epochs().get(e).trainLoss());
      assertThat(resumed.epochs().get(e).testAccuracy()).isEqualTo(full.epochs().get(e).testAccuracy());
    }
    Checkpoint a = CheckpointIo.read(dir.resolve("full.bin"));
    Checkpoint b = CheckpointIo.read(ckpt);
    assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet());
    for (String k : a.tensors().keySet()) {
      assertThat(java.util.Arrays.equals(b.tensors().get(k).data(), a.tensors().get(k).data())).as(k).isTrue();
    }
  }

  @Test
  void refusesACheckpointOfAnotherSpec(@TempDir Path dir) throws IOException {
    ResolvedSpec s = spec("mlp", "", "");
    Path ckpt = dir.resolve("c.bin");
    train(s, 1, ckpt, null, 0);
    ResolvedSpec other = spec("mlp", ", \"learningRate\": 0.01", "");
    Checkpoint c = CheckpointIo.read(ckpt);
    assertThatThrownBy(() -> train(other, 1, null, c, 0)).hasMessageContaining("different job spec");
  }

  @Test
  void corruptCheckpointIsDetected(@TempDir Path dir) throws IOException {
    Path ckpt = dir.resolve("c.bin");
    train(spec("mlp", "", ""), 1, ckpt, null, 0);
    byte[] bytes = Files.readAllBytes(ckpt);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(ckpt, bytes);
    assertThatThrownBy(() -> CheckpointIo.read(ckpt)).hasMessageContaining("corrupt");
    Files.write(ckpt, java.util.Arrays.copyOf(bytes, bytes.length / 3));
    assertThatThrownBy(() -> CheckpointIo.read(ckpt)).isInstanceOf(IOException.class);
  }

  @Test
  void divergingLossFailsAfterPatienceInsteadOfHanging() {
    ResolvedSpec s = spec("mlp", ", \"learningRate\": 10, \"momentum\": 0.99, \"nonFinitePatience\": 2", "");
    assertThatThrownBy(() -> train(s, 1, null, null, 0)).isInstanceOf(NumericalInstabilityException.class)
        .hasMessageContaining("NaN/Inf").hasMessageContaining("patience 2");
  }
}

package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.cli.DatasetInstaller.Action;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import org.junit.jupiter.api.Test;

/** When the command line installs Fashion-MNIST, tells how to, or leaves the dataset to the loader. */
class DatasetInstallerTest {
  static ResolvedSpec spec(String dataset) {
    return JobSpecs.parseAndResolve("{\"model\":{\"arch\":\"mlp\"},\"dataset\":" + dataset + "}");
  }

  @Test
  void fashionMnistMissingIsInstalledAsRootWithAptElseTheCommandIsPrinted() {
    ResolvedSpec fm = spec("{\"name\":\"fashion-mnist\"}");
    assertThat(DatasetInstaller.decide(fm, false, true, true)).isEqualTo(Action.INSTALL);
    assertThat(DatasetInstaller.decide(fm, false, false, true)).isEqualTo(Action.TELL);
    assertThat(DatasetInstaller.decide(fm, false, true, false)).isEqualTo(Action.TELL);
    assertThat(DatasetInstaller.decide(fm, true, true, true)).isEqualTo(Action.NONE);
  }

  @Test
  void otherDatasetsAndExplicitPathsAreLeftToTheLoader() {
    assertThat(DatasetInstaller.decide(spec("{\"name\":\"synthetic\"}"), false, true, true)).isEqualTo(Action.NONE);
    assertThat(DatasetInstaller.decide(spec("{\"name\":\"mnist\"}"), false, true, true)).isEqualTo(Action.NONE);
    assertThat(DatasetInstaller.decide(spec("{\"name\":\"fashion-mnist\",\"path\":\"/data/fm\"}"), false, true, true))
        .isEqualTo(Action.NONE);
  }

  @Test
  void findsPrograms() {
    assertThat(DatasetInstaller.onPath("sh")).isTrue();
    assertThat(DatasetInstaller.onPath("no-such-program-hindsight")).isFalse();
  }
}

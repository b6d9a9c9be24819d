package io.hindsight.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSpecsTest {

  @Test
  void fillsDocumentedDefaults() {
    ResolvedSpec s = JobSpecs.parseAndResolve("{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"}}");
    assertThat(s.training().epochs()).isEqualTo(5);
    assertThat(s.training().batchSize()).isEqualTo(128);
    assertThat(s.training().learningRate()).isEqualTo(0.05);
    assertThat(s.training().schedule()).isEqualTo("cosine");
    assertThat(s.training().seed()).isEqualTo(42L);
    assertThat(s.backend()).isEqualTo("auto");
    assertThat(s.engine()).isEqualTo("hindsight");
    assertThat(s.model().width()).isEqualTo(1.0);
  }

  @Test
  void acceptsTheReadmeExample() {
    String json = """
        {"model": {"arch": "resnet20"}, "dataset": {"name": "fashion-mnist", "trainLimit": 60000, "testLimit": 10000},
         "training": {"epochs": 5, "batchSize": 128, "learningRate": 0.05, "momentum": 0.9, "weightDecay": 5e-4,
                      "schedule": "cosine", "seed": 42},
         "backend": "cpu"}""";
    ResolvedSpec s = JobSpecs.parseAndResolve(json);
    assertThat(s.model().arch()).isEqualTo("resnet20");
    assertThat(s.dataset().trainLimit()).isEqualTo(60000);
  }

  @Test
  void resolvedSpecRoundTrips() {
    ResolvedSpec s = JobSpecs.parseAndResolve("{\"model\":{\"arch\":\"mlp\"},\"dataset\":{\"name\":\"synthetic\"}}");
    ResolvedSpec again = JobSpecs.parseAndResolve(JobSpecs.toJson(s));
    assertThat(again).isEqualTo(s);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"bogus\":1}|bogus",
      "{\"model\":{\"arch\":\"cnn\",\"depth\":3},\"dataset\":{\"name\":\"fashion-mnist\"}}|model.depth",
      "{\"model\":{\"arch\":\"vgg\"},\"dataset\":{\"name\":\"fashion-mnist\"}}|model.arch",
      "{\"dataset\":{\"name\":\"fashion-mnist\"}}|model",
      "{\"model\":{},\"dataset\":{\"name\":\"fashion-mnist\"}}|model.arch",
      "{\"model\":{\"arch\":\"cnn\"}}|dataset",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"cifar\"}}|dataset.name",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"epochs\":\"5\"}}|training.epochs",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"epochs\":2.5}}|training.epochs",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"epochs\":0}}|training.epochs",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"epochs\":100000}}|training.epochs",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"batchSize\":-1}}|training.batchSize",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"learningRate\":0}}|training.learningRate",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"momentum\":1.0}}|training.momentum",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"nesterov\":1}}|training.nesterov",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"schedule\":\"linear\"}}|training.schedule",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"gamma\":0.5}}|training.gamma",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":{\"seed\":\"x\"}}|training.seed",
      "{\"model\":{\"arch\":\"cnn\",\"width\":100},\"dataset\":{\"name\":\"fashion-mnist\"}}|model.width",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\"},\"backend\":\"tpu\"}|backend",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"fashion-mnist\",\"augment\":{\"cropPadding\":99}}}|dataset.augment.cropPadding",
      "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"synthetic\",\"trainLimit\":1000000}}|dataset.trainLimit",
  })
  void rejectsInvalidSpecsNamingTheField(String json, String field) {
    assertThatThrownBy(() -> JobSpecs.parseAndResolve(json))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void rejectsMalformedJsonAndDuplicates() {
    assertThatThrownBy(() -> JobSpecs.parse("{\"model\":")).isInstanceOf(SpecException.class)
        .hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> JobSpecs.parse("{\"model\":{\"arch\":\"cnn\",\"arch\":\"mlp\"}}"))
        .isInstanceOf(SpecException.class).hasMessageContaining("arch");
    assertThatThrownBy(() -> JobSpecs.parse("[]")).isInstanceOf(SpecException.class);
    assertThatThrownBy(() -> JobSpecs.parse("")).isInstanceOf(SpecException.class);
    assertThatThrownBy(() -> JobSpecs.parse("{} {}")).isInstanceOf(SpecException.class);
  }
}

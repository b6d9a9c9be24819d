package io.hindsight.train;

import io.hindsight.data.DatasetLoader;
import io.hindsight.data.SyntheticDataset;
import io.hindsight.spec.ResolvedSpec;
import java.io.IOException;

/** Loads the train/test splits a spec asks for, applying its limits. */
public final class TrainingData {
  private TrainingData() {}

  public static DatasetLoader.Splits load(ResolvedSpec spec) throws IOException {
    var d = spec.dataset();
    if ("synthetic".equals(d.name())) {
      return SyntheticDataset.splits(d.trainLimit(), d.testLimit(), spec.training().seed());
    }
    DatasetLoader.Splits s = DatasetLoader.load(d.name(), d.path());
    return new DatasetLoader.Splits(
        d.trainLimit() == null ? s.train() : s.train().limit(d.trainLimit()),
        d.testLimit() == null ? s.test() : s.test().limit(d.testLimit()));
  }
}

package io.hindsight.cli;

import io.hindsight.spec.ResolvedSpec;
import io.hindsight.train.Trainer;

/** Plugs the engine a spec asks for into a trainer builder. */
final class Engines {
  private Engines() {}

  static void configure(Trainer.Builder builder, ResolvedSpec spec) {
    if ("djl".equals(spec.engine())) {
      throw new IllegalArgumentException("engine 'djl' is not available in this build");
    }
  }
}

package io.hindsight.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The training engine must stay usable without Spring (CLI, GPU bundle, embedding). */
class EngineBoundaryTest {
  static final String[] ENGINE = {
      "io.hindsight.tensor..", "io.hindsight.backend..", "io.hindsight.nn..", "io.hindsight.model..",
      "io.hindsight.optim..", "io.hindsight.data..", "io.hindsight.train..", "io.hindsight.spec..",
      "io.hindsight.quant..", "io.hindsight.cuda..", "io.hindsight.util..", "io.hindsight.djl..",
      "io.hindsight.onnx.."
  };

  private final JavaClasses classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.hindsight");

  @Test
  void engineDoesNotDependOnSpring() {
    noClasses().that().resideInAnyPackage(ENGINE)
        .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..")
        .check(classes);
  }

  @Test
  void engineDoesNotDependOnTheServiceOrCli() {
    noClasses().that().resideInAnyPackage(ENGINE)
        .should().dependOnClassesThat().resideInAnyPackage("io.hindsight.service..", "io.hindsight.cli..")
        .check(classes);
  }
}

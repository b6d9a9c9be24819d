package io.hindsight.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of helm/hindsight without helm (not packaged by Debian; CI renders the chart
 * with `helm lint` / `helm template` where helm is installed, deploy/check-manifests.sh): the chart
 * metadata and values parse, and every {@code .Values.x.y} a template reads is declared (and so
 * documented) in values.yaml, so a misspelt value cannot silently render as empty.
 */
class HelmChartTest {
  private static final Path CHART = Path.of("helm/hindsight");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern VALUE_REF = Pattern.compile("\\.Values((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

  @Test
  void chartMetadataParses() throws IOException {
    JsonNode chart = YAML.readTree(CHART.resolve("Chart.yaml").toFile());
    assertThat(chart.path("apiVersion").asText()).isEqualTo("v2");
    assertThat(chart.path("name").asText()).isEqualTo("hindsight");
    assertThat(chart.path("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void everyValueTheTemplatesReadIsDeclared() throws IOException {
    JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
    Map<String, String> refs = new TreeMap<>();
    try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
      for (Path f : files.toList()) {
        Matcher m = VALUE_REF.matcher(Files.readString(f));
        while (m.find()) {
          refs.put(m.group(1).substring(1), f.getFileName().toString());
        }
      }
    }
    assertThat(refs).containsKeys("replicaCount", "gpu.enabled", "persistence.accessMode", "serviceMonitor.enabled");
    refs.forEach((path, file) -> {
      JsonNode n = values;
      for (String part : path.split("\\.")) {
        n = n.path(part);
      }
      assertThat(n.isMissingNode()).as(".Values.%s (read in %s) is declared in values.yaml", path, file).isFalse();
    });
  }
}

package io.hindsight.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.spec.JobSpecs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link and image in README.md and docs/*.md resolves: the file or folder exists, and
 * an {@code #anchor} names a heading of the target page (GitHub's anchor rule). The job specs the
 * front door shows are valid.
 */
class DocumentationLinksTest {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Pattern LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The page's lines outside fenced code blocks, with inline code spans blanked. */
  static List<String> prose(Path page) throws IOException {
    List<String> out = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        out.add("");
        continue;
      }
      out.add(fenced ? "" : line.replaceAll("`[^`]*`", "``"));
    }
    return out;
  }

  /** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
  static Set<String> anchors(Path page) throws IOException {
    Set<String> out = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
      }
      Matcher m = HEADING.matcher(line);
      if (fenced || !m.matches()) {
        continue;
      }
      String slug = m.group(1).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{N}\\s_-]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      out.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return out;
  }

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages()) {
      List<String> lines = prose(page);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = LINK.matcher(lines.get(i));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
            continue; // http:, https:, mailto:
          }
          checked++;
          String where = ROOT.relativize(page) + ":" + (i + 1) + ": " + target;
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
          if (!Files.exists(resolved)) {
            broken.add(where + " (no such file)");
          } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
            broken.add(where + " (no such heading; anchors there: " + anchors(resolved) + ")");
          }
        }
      }
    }
    assertThat(checked).as("relative links checked").isGreaterThan(30);
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void anchorsFollowGitHubsRule(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path page = dir.resolve("p.md");
    Files.writeString(page, "# The service\n## `result.json`\n```\n# not a heading\n```\n## Settings\n## Settings\n"
        + "### GPU: NVIDIA H100 80GB HBM3\n## Plots of the report (2026-11-30)\n");
    assertThat(anchors(page)).containsExactly("the-service", "resultjson", "settings", "settings-1",
        "gpu-nvidia-h100-80gb-hbm3", "plots-of-the-report-2026-11-30");
  }

  @Test
  void theJobSpecsTheFrontDoorShowsAreValid() throws IOException {
    ObjectMapper json = new ObjectMapper();
    int specs = 0;
    boolean fenced = false;
    StringBuilder block = new StringBuilder();
    for (String line : Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8)) {
      if (line.strip().startsWith("```")) {
        if (fenced && block.length() > 0) {
          JsonNode n = json.readTree(block.toString());
          if (n.has("model") && n.has("dataset")) {
            JobSpecs.parseAndResolve(block.toString());
            specs++;
          }
        }
        fenced = !fenced && line.strip().equals("```json");
        block.setLength(0);
        continue;
      }
      if (fenced) {
        block.append(line).append('\n');
      }
    }
    assertThat(specs).as("job specs in README.md").isPositive();
  }
}

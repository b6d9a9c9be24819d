package io.hindsight.service.support;

import java.util.Set;
import java.util.TreeSet;

/** Reads the Prometheus text exposition the way its linter does, for the checks the tests make on a scrape. */
public final class PrometheusText {
  private PrometheusText() {}

  /** The metric families ({@code # TYPE} lines) of {@code scrape} without a non-empty {@code # HELP} line. */
  public static Set<String> familiesWithoutHelp(String scrape) {
    Set<String> typed = new TreeSet<>();
    Set<String> helped = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      String[] f = line.split(" ", 4);
      if (f.length >= 4 && f[0].equals("#") && f[1].equals("HELP") && !f[3].isBlank()) {
        helped.add(f[2]);
      } else if (f.length >= 4 && f[0].equals("#") && f[1].equals("TYPE")) {
        typed.add(f[2]);
      }
    }
    typed.removeAll(helped);
    return typed;
  }
}

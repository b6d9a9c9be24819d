package io.hindsight.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses a list of seeds: comma-separated seeds and inclusive ranges, e.g. {@code 21-30} or
 * {@code 1,5,9-12}, in the order given, each seed once; at most {@link #MAX} seeds.
 */
record SeedList(List<Long> seeds) {
  /** More seeds than any study on one machine runs; a typo such as {@code 1-10000000} is refused. */
  static final int MAX = 10_000;

  /** The option converter ({@code --seeds}). */
  static final class Converter implements ITypeConverter<SeedList> {
    @Override
    public SeedList convert(String value) {
      return parse(value);
    }
  }

  static SeedList parse(String value) {
    LinkedHashSet<Long> seeds = new LinkedHashSet<>();
    for (String part : value.split(",", -1)) {
      String p = part.strip();
      int dash = p.indexOf('-', 1); // a leading '-' is a negative seed's sign
      try {
        if (dash < 0) {
          seeds.add(Long.parseLong(p));
        } else {
          long from = Long.parseLong(p.substring(0, dash).strip());
          long to = Long.parseLong(p.substring(dash + 1).strip());
          if (to < from) {
            throw new TypeConversionException("must list seeds or ranges from-to with from <= to, got '" + p + "'");
          }
          if (to - from >= MAX) {
            throw new TypeConversionException("must name at most " + MAX + " seeds, got '" + p + "'");
          }
          for (long s = from; s <= to; s++) {
            seeds.add(s);
          }
        }
      } catch (NumberFormatException e) {
        throw new TypeConversionException("must list seeds (integers) or ranges such as 21-30, got '" + value + "'");
      }
      if (seeds.size() > MAX) {
        throw new TypeConversionException("must name at most " + MAX + " seeds, got '" + value + "'");
      }
    }
    return new SeedList(List.copyOf(new ArrayList<>(seeds)));
  }
}

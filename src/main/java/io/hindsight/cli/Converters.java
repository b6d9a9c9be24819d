package io.hindsight.cli;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Number parsing for every option, with one wording for a bad value ({@code --epochs must be a
 * number, got 'many'}); {@link Main} prefixes the option's name.
 */
final class Converters {
  private Converters() {}

  static final ITypeConverter<Integer> INT = v -> {
    try {
      return Integer.valueOf(v.strip());
    } catch (NumberFormatException e) {
      throw new TypeConversionException(wholeNumber(v));
    }
  };

  static final ITypeConverter<Long> LONG = v -> {
    try {
      return Long.valueOf(v.strip());
    } catch (NumberFormatException e) {
      throw new TypeConversionException(wholeNumber(v));
    }
  };

  static final ITypeConverter<Double> DOUBLE = v -> {
    try {
      return Double.valueOf(v.strip());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("must be a number, got '" + v + "'");
    }
  };

  private static String wholeNumber(String v) {
    return "must be a number (an integer), got '" + v + "'";
  }

  /** The converter of {@code type}, or none (picocli's own) for other types. */
  static ITypeConverter<?>[] forType(Class<?> type) {
    if (type == Long.class) {
      return new ITypeConverter<?>[] {LONG};
    }
    if (type == Double.class) {
      return new ITypeConverter<?>[] {DOUBLE};
    }
    if (type == Integer.class) {
      return new ITypeConverter<?>[] {INT};
    }
    return new ITypeConverter<?>[0];
  }

  /** Registers the number converters on {@code cl} and every subcommand it has now. */
  static void register(CommandLine cl) {
    cl.registerConverter(Integer.class, INT).registerConverter(Integer.TYPE, INT)
        .registerConverter(Long.class, LONG).registerConverter(Long.TYPE, LONG)
        .registerConverter(Double.class, DOUBLE).registerConverter(Double.TYPE, DOUBLE);
  }
}

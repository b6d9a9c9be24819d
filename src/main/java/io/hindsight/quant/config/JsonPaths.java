package io.hindsight.quant.config;

import java.util.regex.Pattern;

/** Builds JSON paths for error messages: {@code a.b} for plain names, {@code a["stage2.block0.conv1"]} otherwise. */
final class JsonPaths {
  static final String ROOT = "quantization";
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private JsonPaths() {}

  static String child(String parent, String name) {
    if (PLAIN.matcher(name).matches()) {
      return parent + "." + name;
    }
    return parent + "[\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }
}

package io.hindsight.device;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The signatures of every kernel, parsed from the CUDA sources that the build packages under
 * {@value #RESOURCE_DIR} (the same files nvcc compiles): {@code extern "C" __global__} functions,
 * with object-like {@code #define}s of the same file expanded in their parameter lists. Devices
 * check every launch against them ({@link KernelSignature#check}); a test checks them against the
 * compiled PTX's parameter types where the PTX was built.
 */
public final class KernelSignatures {
  /** Classpath folder of the CUDA sources. */
  public static final String RESOURCE_DIR = "/io/hindsight/cuda/src/";
  /** The kernel source files (a test keeps this list equal to src/main/cuda/*.cu). */
  public static final List<String> FILES = List.of(
      "quantize.cu", "gemm_s8.cu", "sgemm.cu", "conv.cu", "norm_pool.cu", "loss_optim.cu", "elementwise.cu");

  private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#define\\s+(\\w+)(?!\\()\\s+((?:[^\\n]*\\\\\\n)*[^\\n]*)");
  private static final Pattern KERNEL = Pattern.compile(
      "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?(\\w+)\\s*\\(([^)]*)\\)\\s*\\{");
  private static final Pattern IDENT = Pattern.compile("\\w+");

  private static volatile Map<String, KernelSignature> all;

  private KernelSignatures() {}

  /** Every kernel's signature by name (parsed once). */
  public static Map<String, KernelSignature> all() {
    Map<String, KernelSignature> a = all;
    if (a == null) {
      synchronized (KernelSignatures.class) {
        a = all;
        if (a == null) {
          Map<String, KernelSignature> m = new LinkedHashMap<>();
          for (String f : FILES) {
            for (KernelSignature s : parse(f, read(f))) {
              if (m.put(s.kernel(), s) != null) {
                throw new IllegalStateException("kernel " + s.kernel() + " is declared twice");
              }
            }
          }
          a = Map.copyOf(m);
          all = a;
        }
      }
    }
    return a;
  }

  /** The signature of {@code kernel}. */
  public static KernelSignature of(String kernel) {
    KernelSignature s = all().get(kernel);
    if (s == null) {
      throw new DeviceException("no kernel named " + kernel + " in " + FILES);
    }
    return s;
  }

  private static String read(String file) {
    try (InputStream in = KernelSignatures.class.getResourceAsStream(RESOURCE_DIR + file)) {
      if (in == null) {
        throw new IllegalStateException("CUDA source " + RESOURCE_DIR + file + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read CUDA source " + file, e);
    }
  }

  /** The kernels declared in one source text. */
  static List<KernelSignature> parse(String file, String source) {
    String text = stripComments(source);
    Map<String, String> macros = new LinkedHashMap<>();
    Matcher d = DEFINE.matcher(text);
    while (d.find()) {
      macros.put(d.group(1), d.group(2).replace("\\\n", " ").trim());
    }
    List<KernelSignature> out = new ArrayList<>();
    Matcher k = KERNEL.matcher(text);
    while (k.find()) {
      String params = expand(k.group(2), macros);
      List<KernelSignature.Param> ps = new ArrayList<>();
      if (!params.isBlank()) {
        for (String decl : params.split(",")) {
          ps.add(param(file, k.group(1), decl.trim().replaceAll("\\s+", " ")));
        }
      }
      out.add(new KernelSignature(k.group(1), file, ps));
    }
    return out;
  }

  private static String expand(String params, Map<String, String> macros) {
    String s = params;
    for (int round = 0; round < 4; round++) {
      Matcher m = IDENT.matcher(s);
      StringBuilder sb = new StringBuilder();
      boolean changed = false;
      while (m.find()) {
        String rep = macros.get(m.group());
        m.appendReplacement(sb, Matcher.quoteReplacement(rep != null ? rep : m.group()));
        changed |= rep != null;
      }
      m.appendTail(sb);
      s = sb.toString();
      if (!changed) {
        break;
      }
    }
    return s;
  }

  private static KernelSignature.Param param(String file, String kernel, String decl) {
    List<String> words = new ArrayList<>();
    Matcher m = IDENT.matcher(decl);
    while (m.find()) {
      words.add(m.group());
    }
    if (words.isEmpty()) {
      throw new IllegalStateException(file + ": cannot parse parameter '" + decl + "' of " + kernel);
    }
    String name = words.get(words.size() - 1);
    ArgType type;
    boolean pointer = decl.contains("*");
    boolean readOnly = false;
    if (pointer) {
      type = ArgType.POINTER;
      readOnly = decl.substring(0, decl.indexOf('*')).matches(".*\\bconst\\b.*");
    } else if (words.contains("float")) {
      type = ArgType.F32;
    } else if (words.contains("long")) {
      type = ArgType.I64;
    } else if (words.contains("int")) {
      type = ArgType.I32;
    } else {
      throw new IllegalStateException(file + ": unsupported parameter type '" + decl + "' of " + kernel);
    }
    return new KernelSignature.Param(name, type, readOnly, decl);
  }

  private static String stripComments(String s) {
    return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", "");
  }
}

package io.hindsight.cuda;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the compiled PTX from the classpath: kernel entry points and their parameter sizes. */
final class PtxImages {
  private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)", Pattern.DOTALL);
  private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

  private PtxImages() {}

  /** Whether the build compiled the kernels (nvcc was present). */
  static boolean built() {
    return !CudaRuntime.imageNames().isEmpty();
  }

  /** Kernel name to PTX parameter types ({@code u64}, {@code u32}, {@code f32}, ...), from every {@code *.compute_80.ptx} image. */
  static Map<String, List<String>> parameterTypes() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String image : CudaRuntime.imageNames()) {
      if (!image.endsWith(".compute_80.ptx")) {
        continue;
      }
      String ptx = new String(CudaRuntime.readImage(image), StandardCharsets.US_ASCII);
      Matcher m = ENTRY.matcher(ptx);
      while (m.find()) {
        List<String> types = new ArrayList<>();
        Matcher p = PARAM.matcher(m.group(2));
        while (p.find()) {
          types.add(p.group(1));
        }
        out.put(m.group(1), types);
      }
    }
    return out;
  }

  /** Kernel name to parameter byte sizes, from every {@code *.compute_80.ptx} image. */
  static Map<String, int[]> signatures() {
    Map<String, int[]> out = new LinkedHashMap<>();
    for (String image : CudaRuntime.imageNames()) {
      if (!image.endsWith(".compute_80.ptx")) {
        continue;
      }
      String ptx = new String(CudaRuntime.readImage(image), StandardCharsets.US_ASCII);
      Matcher m = ENTRY.matcher(ptx);
      while (m.find()) {
        List<Integer> sizes = new ArrayList<>();
        Matcher p = PARAM.matcher(m.group(2));
        while (p.find()) {
          String t = p.group(1);
          sizes.add(t.endsWith("64") ? 8 : t.endsWith("32") ? 4 : t.endsWith("16") ? 2 : 1);
        }
        out.put(m.group(1), sizes.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    return out;
  }
}

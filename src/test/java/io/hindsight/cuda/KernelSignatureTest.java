package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hindsight.device.ArgType;
import io.hindsight.device.KernelSignature;
import io.hindsight.device.KernelSignatures;
import io.hindsight.device.sim.KernelReferences;
import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The kernels' declared signatures: parsed from every CUDA source, each with a software-device
 * reference, and (where nvcc built the PTX) agreeing with the compiled parameter types.
 */
class KernelSignatureTest {

  @Test
  void theSourceListIsEveryCudaFile() {
    String[] files = new File("src/main/cuda").list((d, n) -> n.endsWith(".cu"));
    assertThat(files).isNotNull();
    assertThat(new TreeSet<>(KernelSignatures.FILES)).isEqualTo(new TreeSet<>(Arrays.asList(files)));
  }

  @Test
  void everyDeclaredKernelHasAReferenceAndEveryReferenceAKernel() {
    assertThat(KernelReferences.kernels()).containsExactlyInAnyOrderElementsOf(KernelSignatures.all().keySet());
  }

  @Test
  void macrosAndConstPointersAreParsed() {
    KernelSignature nt = KernelSignatures.of("gemm_s8_nt_dp4a");
    assertThat(nt.names()).startsWith("A", "B", "M", "N", "K", "rowsPerSample", "scaleA").endsWith("key", "stats");
    assertThat(KernelSignatures.of("act_quant_fwd").names()).as("HS_QOUT_PARAMS from hs_common.cuh")
        .endsWith("q", "qMask", "qScale", "qZeroPoint", "qLo", "qHi", "qStochastic", "qKey", "qStats", "qMaskSummary");
    assertThat(nt.params().get(0).readOnly()).isTrue();
    assertThat(nt.params().get(nt.params().size() - 1).readOnly()).isFalse();
    KernelSignature q = KernelSignatures.of("quantize_static_stats");
    assertThat(q.params().stream().map(KernelSignature.Param::type).toList()).containsExactly(ArgType.POINTER,
        ArgType.POINTER, ArgType.I64, ArgType.F32, ArgType.I32, ArgType.I32, ArgType.I32, ArgType.I32, ArgType.I32,
        ArgType.I64, ArgType.POINTER);
  }

  @Test
  void signaturesMatchTheCompiledPtx() {
    assumeTrue(PtxImages.built(), "no compiled kernels (nvcc was absent at build time)");
    Map<String, List<String>> ptx = PtxImages.parameterTypes();
    for (KernelSignature s : KernelSignatures.all().values()) {
      assertThat(ptx).as("PTX entry for " + s.kernel()).containsKey(s.kernel());
      List<String> types = ptx.get(s.kernel());
      assertThat(types).as(s.kernel() + " parameter count").hasSize(s.params().size());
      for (int i = 0; i < types.size(); i++) {
        KernelSignature.Param p = s.params().get(i);
        String t = types.get(i);
        String expected = switch (p.type()) {
          case POINTER, I64 -> "64";
          case I32 -> "32";
          case F32 -> "f32";
        };
        assertThat(t).as(s.kernel() + " parameter " + p.name() + " (" + p.declaration() + ")").endsWith(expected);
        if (p.type() == ArgType.F32) {
          assertThat(t).isEqualTo("f32");
        } else {
          assertThat(t).as(s.kernel() + " " + p.name()).matches("[us](32|64)|b(32|64)");
        }
      }
    }
  }
}

package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Calls every {@link CudaKernels} wrapper with a recording launcher (no GPU) and checks each
 * launch against the compiled PTX: the argument count and byte sizes match the kernel's
 * parameters, and the launch shape is legal. This catches argument-order and type mistakes
 * between Java and CUDA on machines without a GPU.
 */
class KernelSignatureTest {
  private static DeviceBuffer big() {
    return FakeDevice.buffer(1L << 40);
  }

  @Test
  void everyLaunchMatchesItsPtxSignature() {
    assumeTrue(PtxImages.built(), "no compiled kernels (nvcc was absent at build time)");
    Map<String, int[]> ptx = PtxImages.signatures();
    List<FakeDevice.Launch> launches = new ArrayList<>();
    TrafficCounter traffic = new TrafficCounter();
    CudaKernels k = FakeDevice.kernels(traffic, launches::add);
    DeviceBuffer b = big();
    QuantParams p = QuantParams.perTensor(new QuantGrid(8, false), -1f, 1f);
    k.statsInit(b, 2);
    k.quantizeStatic(b, b, 1000, p, Rounding.STOCHASTIC, 1, b);
    k.minmaxReduce(b, 1000, b);
    k.quantizeWithRange(b, b, 1000, b, 8, true, Rounding.NEAREST, 1, null, b);
    k.dequantize(b, b, 1000, 0.1f, 3, 1);
    NtEpilogue e = new NtEpilogue(0.1f, b, true, 3, b, b, Activation.RELU, p, Rounding.NEAREST, 5);
    k.gemmS8Nt(GemmAlgo.DP4A, b, b, 100, 60, 30, e, b, null, b);
    k.gemmS8Nt(GemmAlgo.AUTO, b, b, 100, 60, 32, e, b, null, b);
    k.gemmS8Nt(GemmAlgo.MMA, b, b, 100, 60, 32, e, b, null, b);
    k.wgrad(b, b, 100, 60, 30, 0.1f, 0.2f, 3, 0f, b);
    k.transposeS8(b, 10, 20, b);
    k.rowSumS8(b, 10, 20, b);
    k.sgemm(true, false, 10, 20, 30, 1f, b, 10, 0, b, 20, 600, 0f, b, 20, 200, 4, false);
    k.im2col(b, 2, 3, 8, 8, 192, 3, 3, 1, 1, 8, 8, b);
    k.col2im(b, 2, 3, 8, 8, 192, 3, 3, 1, 1, 8, 8, b);
    k.addBiasNchw(b, b, 2, 3, 64);
    k.biasGradNchw(b, 2, 3, 64, b);
    k.depthwiseForward(b, b, null, b, 2, 3, 8, 8, 2, 3, 3, 1, 1, 8, 8);
    k.depthwiseBackwardInput(b, b, b, 2, 3, 8, 8, 2, 3, 3, 1, 1, 8, 8);
    k.depthwiseBackwardWeight(b, b, b, 2, 3, 8, 8, 2, 3, 3, 1, 1, 8, 8);
    k.batchnormForward(b, 2, 3, 64, b, b, b, b, 0.1f, 1e-5f, true, b, b, b);
    k.batchnormBackward(b, b, 2, 3, 64, b, b, true, b, b, b);
    k.pool2dForward(b, b, b, 6, 8, 8, 2, 2, 0, 4, 4, true);
    k.pool2dBackward(b, b, b, 6, 8, 8, 2, 2, 0, 4, 4, false);
    k.softmaxXentForward(b, b, 10, 7, b, b, b);
    k.softmaxXentBackward(b, b, 10, 7, b);
    k.sgdUpdate(b, b, null, 1000, 0.1f, 0f, false, 0f, true);

    TreeSet<String> launched = new TreeSet<>();
    for (FakeDevice.Launch l : launches) {
      launched.add(l.kernel());
      assertThat(ptx).as("PTX entry for " + l.kernel()).containsKey(l.kernel());
      assertThat(l.sizes()).as(l.kernel() + " argument sizes vs PTX parameters").containsExactly(ptx.get(l.kernel()));
      assertThat(l.gx()).isPositive();
      assertThat((long) l.bx() * l.by()).as(l.kernel() + " threads per block").isBetween(32L, 1024L);
      assertThat(l.bx() * l.by() % 32).as(l.kernel() + " whole warps").isZero();
    }
    assertThat(launched).as("the test launches every wrapped kernel").containsAll(CudaKernels.KERNELS);
    assertThat(launches.stream().filter(l -> l.kernel().equals("gemm_s8_nt_mma_ldm")).count())
        .as("AUTO picks the ldmatrix tensor-core kernel when K % 16 == 0").isEqualTo(1);
    assertThat(traffic.snapshot().get("quantize_static_stats").bytesMoved()).isEqualTo(5000);
  }
}

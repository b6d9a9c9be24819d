package io.hindsight.cuda;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.Intermediates;

/**
 * 2-D convolution on device buffers (NCHW float32), paired forward/backward: depthwise
 * convolutions with the depthwise kernels; others per group as im2col over the batch and a
 * batched {@code sgemm} (1x1 stride-1 convolutions skip im2col and multiply the input directly);
 * backward to the weights as a batch-reduced {@code sgemm}, to the input as {@code sgemm} then
 * col2im. Used by the host-array {@link CudaBackend} and by the device-resident layers; the
 * scratch ({@code col}, {@code dcol}) comes from the caller's {@link Intermediates}.
 */
public final class ConvOnDevice {
  private ConvOnDevice() {}

  private static boolean pointwise(ConvGeometry g) {
    return g.kH() == 1 && g.kW() == 1 && g.stride() == 1 && g.padding() == 0;
  }

  private static DeviceBuffer weightSlice(DeviceBuffer w, ConvGeometry g, int grp) {
    return w.from(4L * grp * g.outPerGroup() * g.colRows());
  }

  private static DeviceBuffer outputSlice(DeviceBuffer y, ConvGeometry g, int grp) {
    return y.from(4L * grp * g.outPerGroup() * g.outH() * g.outW());
  }

  private static DeviceBuffer inputSlice(DeviceBuffer x, ConvGeometry g, int grp) {
    return x.from(4L * grp * g.inPerGroup() * g.inH() * g.inW());
  }

  /** y (N, outC, outH, outW) = conv(x (N, inC, H, W), w (outC, inC/groups, kH, kW)) + bias (outC, nullable). */
  public static void forward(CudaKernels k, Intermediates scratch, ConvGeometry g, DeviceBuffer x, DeviceBuffer w,
      DeviceBuffer bias, DeviceBuffer y) {
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    if (g.inPerGroup() == 1) {
      k.depthwiseForward(x, w, bias, y, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(), g.kH(), g.kW(), g.stride(),
          g.padding(), g.outH(), g.outW());
      return;
    }
    boolean pw = pointwise(g);
    DeviceBuffer col = pw ? null : scratch.intermediate("im2col", 4L * g.n() * g.colRows() * outHW, "im2col");
    for (int grp = 0; grp < g.groups(); grp++) {
      DeviceBuffer src;
      long srcStride;
      if (pw) {
        src = inputSlice(x, g, grp);
        srcStride = (long) g.inC() * inHW;
      } else {
        k.im2col(inputSlice(x, g, grp), g.n(), g.inPerGroup(), g.inH(), g.inW(), (long) g.inC() * inHW, g.kH(), g.kW(),
            g.stride(), g.padding(), g.outH(), g.outW(), col);
        src = col;
        srcStride = (long) g.colRows() * outHW;
      }
      // y_s,g (outPerGroup, outHW) = W_g (outPerGroup, colRows) * col_s (colRows, outHW), for every sample s
      k.sgemm(false, false, g.outPerGroup(), outHW, g.colRows(), 1f, weightSlice(w, g, grp), g.colRows(), 0, src,
          outHW, srcStride, 0f, outputSlice(y, g, grp), outHW, (long) g.outC() * outHW, g.n(), false);
    }
    if (bias != null) {
      k.addBiasNchw(y, bias, g.n(), g.outC(), outHW);
    }
  }

  /**
   * Backward: dX (nullable, overwritten) from dY and w; dW (nullable, overwritten) from dY and x;
   * dB (nullable, overwritten) = dY summed over samples and pixels.
   */
  public static void backward(CudaKernels k, Intermediates scratch, ConvGeometry g, DeviceBuffer x, DeviceBuffer w,
      DeviceBuffer dY, DeviceBuffer dX, DeviceBuffer dW, DeviceBuffer dB) {
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    if (dB != null) {
      k.biasGradNchw(dY, g.n(), g.outC(), outHW, dB);
    }
    if (g.inPerGroup() == 1) {
      if (dX != null) {
        k.depthwiseBackwardInput(dY, w, dX, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(), g.kH(), g.kW(),
            g.stride(), g.padding(), g.outH(), g.outW());
      }
      if (dW != null) {
        k.depthwiseBackwardWeight(x, dY, dW, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(), g.kH(), g.kW(),
            g.stride(), g.padding(), g.outH(), g.outW());
      }
      return;
    }
    boolean pw = pointwise(g);
    long colSize = (long) g.n() * g.colRows() * outHW;
    DeviceBuffer col = pw || dW == null ? null : scratch.intermediate("im2col", 4L * colSize, "im2col");
    DeviceBuffer dcol = pw || dX == null ? null
        : scratch.intermediate("column gradient", 4L * colSize, "column gradient");
    for (int grp = 0; grp < g.groups(); grp++) {
      DeviceBuffer xg = inputSlice(x, g, grp);
      DeviceBuffer dyg = outputSlice(dY, g, grp);
      if (dW != null) {
        DeviceBuffer src = xg;
        long srcStride = (long) g.inC() * inHW;
        if (!pw) {
          k.im2col(xg, g.n(), g.inPerGroup(), g.inH(), g.inW(), (long) g.inC() * inHW, g.kH(), g.kW(), g.stride(),
              g.padding(), g.outH(), g.outW(), col);
          src = col;
          srcStride = (long) g.colRows() * outHW;
        }
        // dW_g (outPerGroup, colRows) = sum_s dY_s,g (outPerGroup, outHW) * col_s^T (outHW, colRows)
        k.sgemm(false, true, g.outPerGroup(), g.colRows(), outHW, 1f, dyg, outHW, (long) g.outC() * outHW, src, outHW,
            srcStride, 0f, weightSlice(dW, g, grp), g.colRows(), 0, g.n(), true);
      }
      if (dX != null) {
        DeviceBuffer gxg = inputSlice(dX, g, grp);
        // dcol_s (colRows, outHW) = W_g^T (colRows, outPerGroup) * dY_s,g (outPerGroup, outHW)
        DeviceBuffer target = pw ? gxg : dcol;
        long targetStride = pw ? (long) g.inC() * inHW : (long) g.colRows() * outHW;
        k.sgemm(true, false, g.colRows(), outHW, g.outPerGroup(), 1f, weightSlice(w, g, grp), g.colRows(), 0, dyg,
            outHW, (long) g.outC() * outHW, 0f, target, outHW, targetStride, g.n(), false);
        if (!pw) {
          k.col2im(dcol, g.n(), g.inPerGroup(), g.inH(), g.inW(), (long) g.inC() * inHW, g.kH(), g.kW(), g.stride(),
              g.padding(), g.outH(), g.outW(), gxg);
        }
      }
    }
  }
}

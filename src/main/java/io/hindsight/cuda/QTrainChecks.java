package io.hindsight.cuda;

import static io.hindsight.cuda.Checks.bitEqual;
import static io.hindsight.cuda.Checks.check;
import static io.hindsight.cuda.Checks.close;
import static io.hindsight.cuda.Checks.equal;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.Rounding;
import io.hindsight.quant.math.SteMaskBits;
import io.hindsight.util.CounterRng;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Self-test checks of the fused-INT8 kernels (qtrain.cu): every producer against its fp32 twin
 * followed by {@code quantize_static_stats} on the same device (bit-exact: the fused kernel must
 * write the same codes, mask and statistics as the two-pass path), the per-channel weight
 * quantization against {@link FakeQuant}, and the integer convolutions against the FP32 kernels on
 * the dequantized values (within float tolerance). Part of {@link GpuSelfTest#checks()}.
 */
final class QTrainChecks {
  private QTrainChecks() {}

  static List<GpuSelfTest.Check> checks() {
    return List.of(
        new GpuSelfTest.Check("quantize_channels == FakeQuant per channel", QTrainChecks::channels),
        new GpuSelfTest.Check("quantize_weights_t == quantize_channels/static + quantize_static_stats + transpose_s8",
            QTrainChecks::weightsTransposed),
        new GpuSelfTest.Check("act_quant_fwd == relu_fwd + quantize_static_stats", QTrainChecks::act),
        new GpuSelfTest.Check("bn_act_quant_fwd / bn_act_bwd_quant == batchnorm + relu + quantize", QTrainChecks::bn),
        new GpuSelfTest.Check("maxpool, gap, add, softmax_bwd, act_bwd quantized == fp32 twins + quantize",
            QTrainChecks::producers),
        new GpuSelfTest.Check("im2col_s8_t + gemm_s8_nt NCHW / wgrad / col2im_t == FP32 conv on codes",
            QTrainChecks::convolution),
        new GpuSelfTest.Check("dwconv_s8_fwd/bwd == depthwise FP32 kernels on codes", QTrainChecks::depthwise));
  }

  private static final QuantGrid ASYM8 = new QuantGrid(8, false);
  private static final QuantGrid SYM8 = new QuantGrid(8, true);

  private static float[] download(DeviceBuffer b, int n) {
    float[] f = new float[n];
    b.download(f, 0, n);
    return f;
  }

  private static byte[] bytes(DeviceBuffer b, int n) {
    byte[] a = new byte[n];
    b.slice(0, n).download(a);
    return a;
  }

  /** Two-pass reference on the device: quantize_static_stats of the fp32 tensor y (n). */
  private static QuantStats twoPass(CudaKernels k, DeviceScope s, DeviceBuffer y, int n, QuantParams p, Rounding r,
      long key, byte[] codes) {
    DeviceBuffer q = s.bytes(n, "reference codes");
    DeviceBuffer st = s.allocate(QuantStats.BYTES, "reference stats");
    k.statsInit(st, 1);
    k.quantizeStatic(y, q, n, p, r, key, st);
    q.download(codes);
    return k.readStats(st);
  }

  private static QuantOut out(DeviceScope s, int n, QuantParams p, Rounding r, long key, CudaKernels k) {
    DeviceBuffer stats = s.allocate(QuantStats.BYTES, "fused stats");
    k.statsInit(stats, 1);
    DeviceBuffer mask = s.bytes(SteMaskBits.bufferBytes(n), "fused mask");
    k.fill(mask, SteMaskBits.bufferWords(n), 0);
    return new QuantOut(s.bytes(n, "fused codes"), mask, p, r, key, stats);
  }

  private static void compare(String what, CudaKernels k, DeviceScope s, DeviceBuffer fp32, int n, QuantOut o) {
    byte[] ref = new byte[n];
    QuantStats refStats = twoPass(k, s, fp32, n, o.params(), o.rounding(), o.key(), ref);
    equal(what + " codes", ref, bytes(o.q(), n));
    equal(what + " stats", refStats, k.readStats(o.stats()));
    int[] mask = new int[(int) SteMaskBits.bufferWords(n)];
    o.mask().download(mask);
    float[] v = download(fp32, n);
    boolean[] stop = new boolean[n];
    int badMask = 0;
    for (int i = 0; i < n; i++) {
      boolean pass = Float.isFinite(v[i]) && !FakeQuant.clipped(v[i] / o.params().scale(0), o.params().lo(0),
          o.params().hi(0));
      stop[i] = !pass;
      badMask += SteMaskBits.stopped(mask, i) == pass ? 1 : 0;
    }
    check(badMask == 0, what + ": " + badMask + " STE mask entries disagree with the clipping definition");
    check(java.util.Arrays.equals(mask, SteMaskBits.pack(stop)), what + ": the STE mask's summary marks exactly "
        + "the words with a stopped element");
    check(refStats.clipped() > 0, what + ": the test range must clip");
  }

  private static void channels(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    int channels = 7;
    int inner = 333;
    float[] w = Checks.normal(new SplittableRandom(21), channels * inner, 0.2f);
    w[5] = Float.NaN;
    try (DeviceScope s = k.device().scope("selftest")) {
      DeviceBuffer dw = s.upload(w);
      QuantParams p = QuantParams.of(SYM8, Checks.clipping(FakeQuant.stats(w, channels), channels));
      float[] scale = ChannelParams.scales(p);
      int[] levels = ChannelParams.levels(p);
      DeviceBuffer q = s.bytes(w.length, "codes");
      DeviceBuffer qs = s.allocate((long) QuantStats.BYTES * channels, "quantize stats");
      k.statsInit(qs, channels);
      k.quantizeChannels(dw, q, w.length, channels, s.upload(scale), s.upload(levels), Rounding.NEAREST, 0, qs);
      byte[] codes = bytes(q, w.length);
      float[] fake = new float[w.length];
      ChannelStats fs = FakeQuant.quantize(w, fake, p);
      float[] fromCodes = new float[w.length];
      for (int i = 0; i < w.length; i++) {
        int c = i / inner;
        fromCodes[i] = (codes[i] - p.zeroPoint(c)) * p.scale(c);
      }
      bitEqual("per-channel codes vs FakeQuant", fake, fromCodes);
      long clipped = 0;
      for (int c = 0; c < channels; c++) {
        clipped += k.readStats(qs.slice((long) c * QuantStats.BYTES, QuantStats.BYTES)).clipped();
      }
      check(clipped == fs.clipped() && clipped > 0, "clipped " + clipped + " vs " + fs.clipped());
    }
  }

  /**
   * The fused weight pass of a dense layer against the passes it replaces, on the same device:
   * per-channel and per-tensor weights, stochastic and nearest rounding, a row longer than a block.
   */
  private static void weightsTransposed(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    weightsTransposed(k, 7, 333, true, Rounding.STOCHASTIC, 27);
    weightsTransposed(k, 33, 17, true, Rounding.NEAREST, 28);
    weightsTransposed(k, 5, 45, false, Rounding.STOCHASTIC, 29);
  }

  /**
   * One shape (out, inner) of weights with a clipping range and three non-finite values: q, qT and
   * every statistics byte of {@code quantize_weights_t} equal to those of the sequence it replaces
   * (the forward codes by quantize_channels or quantize_static_stats; qT transposed by transpose_s8
   * from the forward codes, or per channel from a nearest per-tensor quantize_static_stats).
   */
  private static void weightsTransposed(CudaKernels k, int out, int inner, boolean perChannel, Rounding r, long seed) {
    int n = out * inner;
    int channels = perChannel ? out : 1;
    float[] w = Checks.normal(new SplittableRandom(seed), n, 0.2f);
    w[1] = Float.NaN;
    w[n / 2] = Float.POSITIVE_INFINITY;
    w[n - 2] = Float.NEGATIVE_INFINITY;
    Range used = Checks.clipping(FakeQuant.stats(w, channels), channels);
    QuantParams p = QuantParams.of(SYM8, used);
    QuantParams perTensor = perChannel ? QuantParams.of(SYM8, Range.of(used.envelopeMin(), used.envelopeMax())) : p;
    float[] scale = ChannelParams.scales(p);
    int[] levels = ChannelParams.levels(p);
    long key = r == Rounding.STOCHASTIC ? CounterRng.key(seed, 3) : 0;
    String what = "quantize_weights_t (" + out + ", " + inner + ") " + (perChannel ? "per channel " : "per tensor ")
        + r;
    int statsBytes = QuantStats.BYTES * channels;
    try (DeviceScope s = k.device().scope("selftest")) {
      DeviceBuffer dw = s.upload(w);
      DeviceBuffer dScale = s.upload(scale);
      DeviceBuffer dLevels = s.upload(levels);
      DeviceBuffer q1 = s.bytes(n, "reference codes");
      DeviceBuffer qT1 = s.bytes(n, "reference transposed codes");
      DeviceBuffer st1 = s.allocate(statsBytes, "reference stats");
      k.statsInit(st1, channels);
      DeviceBuffer perTensorCodes = q1;
      if (perChannel) {
        k.quantizeChannels(dw, q1, n, channels, dScale, dLevels, r, key, st1);
        perTensorCodes = s.bytes(n, "reference per-tensor codes");
        DeviceBuffer scratch = s.allocate(QuantStats.BYTES, "reference per-tensor stats");
        k.statsInit(scratch, 1);
        k.quantizeStatic(dw, perTensorCodes, n, perTensor, Rounding.NEAREST, 0, scratch);
      } else {
        k.quantizeStatic(dw, q1, n, p, r, key, st1);
      }
      k.transposeS8(perTensorCodes, out, inner, qT1);
      DeviceBuffer q2 = s.bytes(n, "fused codes");
      DeviceBuffer qT2 = s.bytes(n, "fused transposed codes");
      DeviceBuffer st2 = s.allocate(statsBytes, "fused stats");
      k.statsInit(st2, channels);
      k.quantizeWeightsTransposed(dw, q2, qT2, out, inner, channels, perChannel ? dScale : null,
          perChannel ? dLevels : null, perTensor, r, key, st2);
      equal(what + " codes", bytes(q1, n), bytes(q2, n));
      equal(what + " transposed codes", bytes(qT1, n), bytes(qT2, n));
      equal(what + " statistics", bytes(st1, statsBytes), bytes(st2, statsBytes));
      long clipped = 0;
      long nonFinite = 0;
      for (int c = 0; c < channels; c++) {
        QuantStats st = k.readStats(st2.slice((long) c * QuantStats.BYTES, QuantStats.BYTES));
        clipped += st.clipped();
        nonFinite += st.nonFinite();
      }
      check(clipped > 0 && nonFinite == 3, what + ": the test range must clip (" + clipped + ") and see the three"
          + " non-finite values (" + nonFinite + ")");
    }
  }

  private static void act(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    int n = 10_001;
    float[] x = Checks.normal(new SplittableRandom(22), n, 2f);
    x[3] = Float.NaN;
    try (DeviceScope s = k.device().scope("selftest")) {
      DeviceBuffer dx = s.upload(x);
      DeviceBuffer relu = s.floats(n, "relu6");
      k.reluForward(dx, relu, n, 6f);
      QuantOut o = out(s, n, QuantParams.perTensor(ASYM8, 0, 3), Rounding.NEAREST, 0, k);
      DeviceBuffer y = s.floats(n, "fused fp32");
      k.actQuantForward(dx, y, n, true, 6f, o);
      bitEqual("fp32 output", download(relu, n), download(y, n));
      compare("act_quant_fwd", k, s, relu, n, o);
    }
  }

  private static void bn(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    int n = 8;
    int c = 5;
    int hw = 1000; // 8000 values per channel: 3 segments per channel
    int total = n * c * hw;
    SplittableRandom r = new SplittableRandom(23);
    float[] x = Checks.normal(r, total, 2f);
    float[] gamma = Checks.uniform(r, c, 0.5f, 1.5f);
    float[] beta = Checks.uniform(r, c, -0.5f, 0.5f);
    float[] dy = Checks.normal(r, total, 1f);
    try (DeviceScope s = k.device().scope("selftest")) {
      DeviceBuffer dx = s.upload(x);
      DeviceBuffer g = s.upload(gamma);
      DeviceBuffer b = s.upload(beta);
      float[] ones = new float[c];
      java.util.Arrays.fill(ones, 1f);
      DeviceBuffer rm1 = s.floats(c, "rm1");
      DeviceBuffer rv1 = s.upload(ones, "rv1");
      DeviceBuffer rm2 = s.floats(c, "rm2");
      DeviceBuffer rv2 = s.upload(ones, "rv2");
      rm1.upload(new float[c]);
      rm2.upload(new float[c]);
      // reference: batchnorm_fwd, then relu_fwd
      DeviceBuffer xhat1 = s.floats(total, "xhat1");
      DeviceBuffer y1 = s.floats(total, "y1");
      DeviceBuffer is1 = s.floats(c, "invStd1");
      k.batchnormForward(dx, n, c, hw, g, b, rm1, rv1, 0.1f, 1e-5f, true, xhat1, y1, is1);
      DeviceBuffer a1 = s.floats(total, "relu");
      k.reluForward(y1, a1, total, Float.POSITIVE_INFINITY);
      // fused
      DeviceBuffer xhat2 = s.floats(total, "xhat2");
      DeviceBuffer is2 = s.floats(c, "invStd2");
      DeviceBuffer mask = s.bytes(total, "act mask");
      QuantOut o = out(s, total, QuantParams.perTensor(ASYM8, 0, 1.5), Rounding.NEAREST, 0, k);
      k.bnActQuantForward(dx, n, c, hw, g, b, rm2, rv2, 0.1f, 1e-5f, true, true, Float.POSITIVE_INFINITY, xhat2, null,
          mask, is2, o);
      bitEqual("xhat", download(xhat1, total), download(xhat2, total));
      bitEqual("running mean", download(rm1, c), download(rm2, c));
      compare("bn_act_quant_fwd", k, s, a1, total, o);
      byte[] m = bytes(mask, total);
      float[] pre = download(y1, total);
      for (int i = 0; i < total; i++) {
        check((m[i] != 0) == (pre[i] > 0), "act mask at " + i);
      }
      // backward: relu_bwd then batchnorm_bwd == bn_act_bwd_quant with the mask
      DeviceBuffer ddy = s.upload(dy);
      DeviceBuffer masked = s.floats(total, "masked dy");
      k.reluBackward(y1, ddy, masked, total, Float.POSITIVE_INFINITY);
      DeviceBuffer gx1 = s.floats(total, "dx1");
      DeviceBuffer gg1 = s.floats(c, "dg1");
      DeviceBuffer gb1 = s.floats(c, "db1");
      k.batchnormBackward(masked, xhat1, n, c, hw, g, is1, true, gx1, gg1, gb1);
      DeviceBuffer gg2 = s.floats(c, "dg2");
      DeviceBuffer gb2 = s.floats(c, "db2");
      QuantOut go = out(s, total, QuantParams.perTensor(SYM8, -0.02, 0.02), Rounding.STOCHASTIC,
          CounterRng.key(5, 1), k);
      DeviceBuffer gx2 = s.floats(total, "dx2");
      k.bnActBackwardQuant(ddy, mask, xhat1, n, c, hw, g, is1, true, gx2, gg2, gb2, go);
      bitEqual("bn dx", download(gx1, total), download(gx2, total));
      bitEqual("bn dgamma", download(gg1, c), download(gg2, c));
      compare("bn_act_bwd_quant", k, s, gx1, total, go);
    }
  }

  private static void producers(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    SplittableRandom r = new SplittableRandom(24);
    try (DeviceScope s = k.device().scope("selftest")) {
      // max pooling
      int planes = 6;
      int h = 10;
      int w = 9;
      float[] x = Checks.normal(r, planes * h * w, 1f);
      DeviceBuffer dx = s.upload(x);
      int oh = 5;
      int ow = 4;
      int outN = planes * oh * ow;
      DeviceBuffer y1 = s.floats(outN, "pool y");
      DeviceBuffer a1 = s.ints(outN, "pool argmax");
      k.pool2dForward(dx, y1, a1, planes, h, w, 2, 2, 0, oh, ow, true);
      DeviceBuffer a2 = s.ints(outN, "fused argmax");
      QuantOut po = out(s, outN, QuantParams.perTensor(ASYM8, -1, 1), Rounding.NEAREST, 0, k);
      k.maxpoolQuantForward(dx, null, a2, planes, h, w, 2, 2, 0, oh, ow, po);
      int[] i1 = new int[outN];
      int[] i2 = new int[outN];
      a1.download(i1);
      a2.download(i2);
      equal("argmax", i1, i2);
      compare("maxpool_quant_fwd", k, s, y1, outN, po);
      // global average pooling
      DeviceBuffer g1 = s.floats(planes, "gap");
      k.globalAvgPoolForward(dx, g1, planes, h * w);
      QuantOut go = out(s, planes, QuantParams.perTensor(ASYM8, -0.05, 0.05), Rounding.NEAREST, 0, k);
      k.gapQuantForward(dx, null, planes, h * w, go);
      compare("gap_quant_fwd", k, s, g1, planes, go);
      // residual add + relu
      int n = 5_000;
      DeviceBuffer a = s.upload(Checks.normal(r, n, 1f));
      DeviceBuffer b = s.upload(Checks.normal(r, n, 1f));
      DeviceBuffer sum = s.floats(n, "sum");
      k.add(a, b, sum, n);
      DeviceBuffer relu = s.floats(n, "relu");
      k.reluForward(sum, relu, n, Float.POSITIVE_INFINITY);
      DeviceBuffer fusedY = s.floats(n, "fused y");
      QuantOut ao = out(s, n, QuantParams.perTensor(ASYM8, 0, 2), Rounding.NEAREST, 0, k);
      // a second quantizer of the same values (a shortcut convolution's): its own range and rounding
      QuantOut ao2 = out(s, n, QuantParams.perTensor(ASYM8, 0, 1.2), Rounding.STOCHASTIC, CounterRng.key(4, 2), k);
      k.addActQuantForward(a, b, fusedY, null, n, true, Float.POSITIVE_INFINITY, ao, ao2);
      bitEqual("add+relu fp32", download(relu, n), download(fusedY, n));
      compare("add_act_quant_fwd", k, s, relu, n, ao);
      compare("add_act_quant_fwd second output", k, s, relu, n, ao2);
      // softmax backward
      int rows = 13;
      int classes = 10;
      float[] probs = Checks.uniform(r, rows * classes, 0f, 0.2f);
      int[] labels = new int[rows];
      for (int i = 0; i < rows; i++) {
        labels[i] = r.nextInt(classes);
      }
      DeviceBuffer dp = s.upload(probs);
      DeviceBuffer dl = s.upload(labels);
      DeviceBuffer dz = s.floats(rows * classes, "dz");
      k.softmaxXentBackward(dp, dl, rows, classes, dz);
      QuantOut so = out(s, rows * classes, QuantParams.perTensor(SYM8, -0.05, 0.05), Rounding.STOCHASTIC,
          CounterRng.key(9, 2), k);
      k.softmaxBackwardQuant(dp, dl, rows, classes, null, so);
      compare("softmax_bwd_quant", k, s, dz, rows * classes, so);
      // activation backward from the input
      DeviceBuffer gdy = s.upload(Checks.normal(r, n, 1f));
      DeviceBuffer gdx = s.floats(n, "relu dx");
      k.reluBackward(sum, gdy, gdx, n, 6f);
      QuantOut bo = out(s, n, QuantParams.perTensor(SYM8, -1, 1), Rounding.STOCHASTIC, CounterRng.key(9, 3), k);
      k.actBackwardQuant(sum, null, gdy, null, n, 6f, bo);
      compare("act_bwd_quant", k, s, gdx, n, bo);
    }
  }

  /** Codes of x with parameters p (host side), and their dequantized values. */
  private static byte[] codes(float[] x, QuantParams p, float[] dequantized) {
    byte[] c = new byte[x.length];
    for (int i = 0; i < x.length; i++) {
      float level = FakeQuant.level(x[i], p.scale(0), p.lo(0), p.hi(0), false, 0, i);
      c[i] = (byte) ((int) level + p.zeroPoint(0));
      dequantized[i] = level * p.scale(0);
    }
    return c;
  }

  private static void convolution(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    ConvGeometry g = new ConvGeometry(3, 4, 9, 8, 6, 3, 3, 2, 1, 1);
    SplittableRandom r = new SplittableRandom(25);
    QuantParams px = QuantParams.perTensor(ASYM8, -1, 2);
    QuantParams pw = QuantParams.perTensor(SYM8, -0.5, 0.5);
    QuantParams pdy = QuantParams.perTensor(SYM8, -2, 2);
    float[] xf = new float[g.inputSize()];
    float[] wf = new float[g.weightSize()];
    float[] dyf = new float[g.outputSize()];
    byte[] xq = codes(Checks.normal(r, g.inputSize(), 1f), px, xf);
    byte[] wq = codes(Checks.normal(r, g.weightSize(), 0.2f), pw, wf);
    byte[] dyq = codes(Checks.normal(r, g.outputSize(), 1f), pdy, dyf);
    int outHW = g.outH() * g.outW();
    int rows = g.n() * outHW;
    int kk = g.colRows();
    // FP32 reference on the dequantized values
    float[] yRef = new float[g.outputSize()];
    float[] dxRef = new float[g.inputSize()];
    float[] dwRef = new float[g.weightSize()];
    env.cpu().conv2dForward(g, xf, wf, null, yRef);
    env.cpu().conv2dBackward(g, xf, wf, dyf, dxRef, dwRef, null);
    try (DeviceScope s = k.device().scope("selftest")) {
      DeviceBuffer dx = s.upload(xq);
      DeviceBuffer dw = s.upload(wq);
      DeviceBuffer col = s.bytes((long) rows * kk, "colT");
      k.im2colS8T(dx, g.n(), g.inC(), g.inH(), g.inW(), g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW(),
          px.zeroPoint(0), col);
      DeviceBuffer colSum = s.ints(g.outC(), "weight row sums");
      k.rowSumS8(dw, g.outC(), kk, colSum);
      DeviceBuffer y = s.floats(g.outputSize(), "y");
      NtEpilogue e = new NtEpilogue(px.scale(0), s.upload(new float[] {pw.scale(0)}), false, px.zeroPoint(0), colSum,
          null, Activation.NONE, null, Rounding.NEAREST, 0);
      k.gemmS8Nt(GemmAlgo.DP4A, col, dw, rows, g.outC(), kk, outHW, e, null, y, null);
      close("int8 conv forward (NCHW)", yRef, download(y, g.outputSize()), 1e-5f, 1e-5f);
      // weight gradient: dY in NHWC against the columns
      DeviceBuffer ddy = s.upload(dyq);
      DeviceBuffer dyT = s.bytes(g.outputSize(), "dY nhwc");
      k.nchwToNhwcS8(ddy, g.n(), g.outC(), outHW, dyT);
      DeviceBuffer gw = s.floats(g.weightSize(), "dW");
      k.wgrad(dyT, col, rows, g.outC(), kk, pdy.scale(0), px.scale(0), px.zeroPoint(0), 0f, gw);
      close("int8 conv weight gradient", dwRef, download(gw, g.weightSize()), 1e-5f, 1e-5f);
      // input gradient: dcolT = dY (rows, outC) . W^T, then col2im_t
      DeviceBuffer wT = s.bytes(g.weightSize(), "W^T");
      k.transposeS8(dw, g.outC(), kk, wT);
      DeviceBuffer dcol = s.floats((long) rows * kk, "dcolT");
      NtEpilogue eb = new NtEpilogue(pdy.scale(0), s.upload(new float[] {pw.scale(0)}), false, 0, null, null,
          Activation.NONE, null, Rounding.NEAREST, 0);
      k.gemmS8Nt(GemmAlgo.DP4A, dyT, wT, rows, kk, g.outC(), eb, null, dcol, null);
      DeviceBuffer gx = s.floats(g.inputSize(), "dX");
      k.col2imT(dcol, g.n(), g.inC(), g.inH(), g.inW(), g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW(), gx);
      close("int8 conv input gradient", dxRef, download(gx, g.inputSize()), 1e-5f, 1e-5f);
      // bias gradient from codes
      DeviceBuffer db = s.floats(g.outC(), "db");
      k.biasGradS8(ddy, g.n(), g.outC(), outHW, 0, pdy.scale(0), db);
      float[] dbRef = new float[g.outC()];
      for (int i = 0; i < dyf.length; i++) {
        dbRef[(i / outHW) % g.outC()] += dyf[i];
      }
      close("bias gradient from codes", dbRef, download(db, g.outC()), 1e-5f, 1e-5f);
      // the clipping STE
      // 2 100 values in 66 words and 3 summary words: stopped at 1, 3, 31 (the first word's last
      // bit), 32 and 39, at 1023 and 1024 (either side of the first summary word's end) and 2099
      boolean[] stop = new boolean[2100];
      for (int i : new int[] {1, 3, 31, 32, 39, 1023, 1024, 2099}) {
        stop[i] = true;
      }
      float[] masked = new float[stop.length];
      float[] expected = new float[stop.length];
      for (int i = 0; i < masked.length; i++) {
        masked[i] = i + 1;
        expected[i] = stop[i] ? 0f : i + 1;
      }
      DeviceBuffer m = s.upload(SteMaskBits.pack(stop), "mask");
      DeviceBuffer v = s.upload(masked, "masked");
      k.applyMask(v, m, masked.length);
      bitEqual("apply_mask", expected, download(v, masked.length));
      int[] cleared = new int[(int) SteMaskBits.bufferWords(masked.length)];
      m.download(cleared);
      check(java.util.Arrays.stream(cleared).allMatch(w -> w == 0), "apply_mask: the mask's words and summary are cleared");
    }
  }

  private static void depthwise(GpuSelfTest.Env env) {
    CudaKernels k = env.kernels();
    ConvGeometry g = new ConvGeometry(2, 6, 8, 7, 12, 3, 3, 2, 1, 6);
    SplittableRandom r = new SplittableRandom(26);
    QuantParams px = QuantParams.perTensor(ASYM8, -1, 2);
    QuantParams pdy = QuantParams.perTensor(SYM8, -2, 2);
    float[] xf = new float[g.inputSize()];
    float[] dyf = new float[g.outputSize()];
    byte[] xq = codes(Checks.normal(r, g.inputSize(), 1f), px, xf);
    byte[] dyq = codes(Checks.normal(r, g.outputSize(), 1f), pdy, dyf);
    int per = g.kH() * g.kW();
    float[] scaleW = Checks.uniform(r, g.outC(), 0.001f, 0.01f);
    byte[] wq = Checks.int8(r, g.weightSize(), -127, 127);
    float[] wf = new float[g.weightSize()];
    for (int i = 0; i < wf.length; i++) {
      wf[i] = wq[i] * scaleW[i / per];
    }
    float[] bias = Checks.normal(r, g.outC(), 0.1f);
    float[] yRef = new float[g.outputSize()];
    float[] dxRef = new float[g.inputSize()];
    float[] dwRef = new float[g.weightSize()];
    env.cpu().conv2dForward(g, xf, wf, bias, yRef);
    env.cpu().conv2dBackward(g, xf, wf, dyf, dxRef, dwRef, null);
    int mult = g.outPerGroup();
    try (DeviceScope s = k.device().scope("selftest")) {
      DeviceBuffer dx = s.upload(xq);
      DeviceBuffer dw = s.upload(wq);
      DeviceBuffer sw = s.upload(scaleW);
      DeviceBuffer y = s.floats(g.outputSize(), "y");
      k.dwconvS8Forward(dx, dw, sw, s.upload(bias), y, g.n(), g.inC(), g.inH(), g.inW(), mult, g.kH(), g.kW(),
          g.stride(), g.padding(), g.outH(), g.outW(), px.scale(0), px.zeroPoint(0));
      close("int8 depthwise forward", yRef, download(y, g.outputSize()), 1e-5f, 1e-5f);
      DeviceBuffer ddy = s.upload(dyq);
      DeviceBuffer gx = s.floats(g.inputSize(), "dX");
      k.dwconvS8BackwardInput(ddy, dw, sw, gx, g.n(), g.inC(), g.inH(), g.inW(), mult, g.kH(), g.kW(), g.stride(),
          g.padding(), g.outH(), g.outW(), pdy.scale(0), pdy.zeroPoint(0));
      close("int8 depthwise input gradient", dxRef, download(gx, g.inputSize()), 1e-5f, 1e-5f);
      DeviceBuffer gw = s.floats(g.weightSize(), "dW");
      k.dwconvS8BackwardWeight(dx, ddy, gw, g.n(), g.inC(), g.inH(), g.inW(), mult, g.kH(), g.kW(), g.stride(),
          g.padding(), g.outH(), g.outW(), px.scale(0), px.zeroPoint(0), pdy.scale(0), pdy.zeroPoint(0));
      close("int8 depthwise weight gradient", dwRef, download(gw, g.weightSize()), 1e-5f, 1e-5f);
    }
  }
}

package io.hindsight.device.nn;

import io.hindsight.cuda.ChannelParams;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.QuantOut;
import io.hindsight.cuda.QuantStats;
import io.hindsight.cuda.QuantizeRef;
import io.hindsight.cuda.SgdSegments;
import io.hindsight.cuda.TrafficCounter;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.DeviceTensor;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.estimator.EstimatorType;
import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.SteMaskBits;
import io.hindsight.quant.traffic.Route;
import io.hindsight.quant.traffic.TrafficModel;
import io.hindsight.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quantization of a model on the device. Each quantizer's host {@link TensorQuantizer} decides
 * (estimator, range, parameters: {@link TensorQuantizer#plan}), the kernels quantize and record the
 * statistics, and the quantizer learns from them after the step ({@link TensorQuantizer#complete}),
 * exactly as on the CPU.
 *
 * <p>Statistics live in one persistent buffer: the step's results (16 bytes: loss sum, correct count,
 * non-finite count) then one 24-byte slot per activation and gradient quantizer and two per channel
 * of each weight quantizer (its quantizing pass's, and the optimizer's record of the new weights);
 * {@link #endStep} reads it back once. Weights are quantized at the start of a step ({@link
 * #quantizeWeights}: with the statistics their writer recorded, the optimizer's update of the step
 * before ({@link #sgdSegments}, {@code sgd_update_stats}) or the host at the upload ({@link
 * #weightsUploaded}), so no statistics pass and no read-back before the forward pass; the
 * parameters uploaded, one quantizing pass each, which for a dense layer also writes the input
 * gradient's per-tensor codes of the weights, transposed). Activations and gradients with a static range this step are
 * quantized by the kernel that produces them ({@link ActivationQuantizer#fusedTarget}); otherwise
 * by the quantizer from the full-precision tensor ({@link ActivationQuantizer#quantize}: a dynamic
 * range reads the tensor's statistics back first).
 */
public final class DeviceQuantization implements AutoCloseable {
  /** Bytes of the step results at the start of the statistics buffer. */
  public static final int RESULTS_BYTES = 16;
  /**
   * The traffic entry of the STE mask bits the producing kernels set ({@code hs_mask_stop}: an
   * atomic OR per clipped or non-finite element), counted after the step from the statistics.
   */
  public static final String MASK_STOP = "hs_mask_stop";
  /** The traffic entry of the model input's codes and statistics the host uploads ({@link ActivationQuantizer#upload}). */
  public static final String HOST_UPLOAD = "host_quantized_input";

  private final CudaKernels k;
  private final DeviceScope persistent;
  private final List<ActivationQuantizer> activations = new ArrayList<>();
  private final List<WeightQuantizer> weights = new ArrayList<>();
  private final Map<TensorQuantizer, ActivationQuantizer> byHost = new IdentityHashMap<>();
  private final List<Object> order = new ArrayList<>(); // quantizers in the order they quantized this step
  private DeviceBuffer stats;
  private int slots = 1; // slot 0: the scratch slot of dynamic statistics passes
  private boolean training;
  private boolean optimizerRecorded; // sgd_update_stats ran this step: endStep keeps the weights' statistics
  private SgdSegments sgdSegments;

  public DeviceQuantization(CudaKernels kernels) {
    this.k = kernels;
    this.persistent = kernels.device().scope("quantization");
  }

  CudaKernels kernels() {
    return k;
  }

  private int allocateSlots(int count) {
    if (stats != null) {
      throw new IllegalStateException("quantizers are registered before the first step");
    }
    int first = slots;
    slots += count;
    return first;
  }

  private DeviceBuffer slot(int index, int count) {
    return stats.slice(RESULTS_BYTES + (long) QuantStats.BYTES * index, (long) QuantStats.BYTES * count);
  }

  /** The device buffer of the step's results (loss sum, correct count, non-finite count: 16 bytes). */
  public DeviceBuffer results() {
    ensureAllocated();
    return stats.slice(0, RESULTS_BYTES);
  }

  private void ensureAllocated() {
    if (stats == null) {
      stats = persistent.allocate(RESULTS_BYTES + (long) QuantStats.BYTES * slots, "step results and statistics");
    }
  }

  /** Registers an activation or gradient quantizer. */
  public ActivationQuantizer activation(TensorQuantizer q) {
    if (q.kind() == QuantKind.WEIGHT || q.spec().perChannel()) {
      throw new IllegalArgumentException(q.name() + ": activations and gradients are quantized per tensor");
    }
    if (q.spec().bits() > 8) {
      throw new IllegalArgumentException(q.name() + ": the device's integer path takes up to 8 bits, got "
          + q.spec().bits());
    }
    if (q.kind() == QuantKind.GRADIENT && !q.spec().symmetric()) {
      throw new IllegalArgumentException(q.name() + ": the device's integer path takes symmetric gradients");
    }
    ActivationQuantizer a = new ActivationQuantizer(q, allocateSlots(1));
    activations.add(a);
    byHost.put(q, a);
    return a;
  }

  /** The device quantizer registered for host quantizer {@code q}, or null. */
  ActivationQuantizer activationOf(TensorQuantizer q) {
    return byHost.get(q);
  }

  /**
   * Registers the weight quantizer of a layer whose weights are {@code weight} (output channels on
   * axis 0) held on the device in {@code values}; {@code channelsReduced} when the input gradient
   * sums over the output channels (a dense layer), which then gets per-tensor codes of its weights.
   */
  public WeightQuantizer weight(TensorQuantizer q, Tensor weight, DeviceBuffer values, boolean channelsReduced) {
    if (q.spec().bits() > 8) {
      throw new IllegalArgumentException(q.name() + ": the device's integer path takes up to 8 bits, got "
          + q.spec().bits());
    }
    if (!q.spec().symmetric()) {
      throw new IllegalArgumentException(q.name() + ": the device's integer path takes symmetric weights");
    }
    if (q.kind() != QuantKind.WEIGHT) {
      throw new IllegalArgumentException(q.name() + ": not a weight quantizer");
    }
    int channels = q.spec().perChannel() ? weight.dim(0) : 1;
    int firstSlot = allocateSlots(channels);
    WeightQuantizer w = new WeightQuantizer(q, weight, values, channels, channelsReduced, firstSlot,
        allocateSlots(channels));
    weights.add(w);
    return w;
  }

  /** Starts a step (or an evaluation batch): every statistics slot back to the identity. */
  public void beginStep(boolean training) {
    ensureAllocated();
    this.training = training;
    for (ActivationQuantizer a : activations) {
      a.cleanMask();
      a.step = null;
      a.maskWritten = false;
      a.maskApplied = false;
    }
    k.statsInit(stats.from(RESULTS_BYTES), slots);
  }

  private ByteBuffer read(DeviceBuffer b) {
    byte[] bytes = new byte[(int) b.bytes()];
    b.download(bytes);
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static QuantStats stats(ByteBuffer b, int slot) {
    int off = RESULTS_BYTES + QuantStats.BYTES * slot;
    int[] w = new int[6];
    for (int i = 0; i < 6; i++) {
      w[i] = b.getInt(off + 4 * i);
    }
    return QuantStats.fromWords(w, 0);
  }

  private static ChannelStats channelStats(ByteBuffer b, int first, int channels, long elements) {
    float[] min = new float[channels];
    float[] max = new float[channels];
    long clipped = 0;
    long nonFinite = 0;
    for (int c = 0; c < channels; c++) {
      QuantStats s = stats(b, first + c);
      min[c] = s.min();
      max[c] = s.max();
      clipped += s.clipped();
      nonFinite += s.nonFinite();
    }
    return ChannelStats.of(min, max, elements, clipped, nonFinite);
  }

  /**
   * Quantizes every layer's weights for this step (see the class comment). Host/device traffic: one
   * upload of every weight's parameters (the statistics came with the last step's read-back).
   */
  public void quantizeWeights() {
    for (WeightQuantizer w : weights) {
      ChannelStats c = null;
      if (w.q.needsCurrentStats(training)) {
        c = w.writerStatistics();
        if (training) {
          // the writer's statistics record of these weights (the optimizer's, read back with the
          // last step's results)
          k.traffic().addQuantization(TrafficModel.statsBytes(w.channels));
        }
      }
      w.step = w.q.plan(training, w.channels, c, null);
      w.backwardParams = null;
      if (w.channelsReduced && training) {
        Range used = w.step.range();
        w.backwardParams = w.channels == 1 ? w.step.params()
            : QuantParams.of(w.step.params().grid(), Range.of(used.envelopeMin(), used.envelopeMax()));
      }
    }
    // one upload of every weight quantizer's parameters: per output channel its scale (a per-tensor
    // scale repeated) and (zero point, lo, hi); then the input gradient's per-tensor scale
    int entries = paramEntries();
    float[] scales = new float[entries];
    int[] levels = new int[3 * entries];
    for (WeightQuantizer w : weights) {
      QuantParams p = w.step.params();
      int out = w.shape[0];
      for (int o = 0; o < out; o++) {
        int c = w.channels > 1 ? o : 0;
        ChannelParams.put(p, c, scales, levels, w.paramOffset + o);
      }
      scales[w.paramOffset + out] = w.backwardParams == null ? 1f : w.backwardParams.scale(0);
    }
    weightParams().upload(scales, levels, entries);
    // the statistics passes' records back to the identity (bookkeeping, not counted as traffic)
    k.statsInit(stats.from(RESULTS_BYTES + (long) QuantStats.BYTES * firstWeightSlot()), weightSlots());
    try (TrafficCounter.Quantizing counted = k.traffic().quantizing()) {
      for (WeightQuantizer w : weights) {
        w.quantize();
      }
    }
  }

  private WeightParams paramsBuffers;

  /** Parameter entries of all weight quantizers: one per output channel plus one backward scale each. */
  private int paramEntries() {
    int total = 0;
    for (WeightQuantizer w : weights) {
      w.paramOffset = total;
      total += w.shape[0] + 1;
    }
    return total;
  }

  private WeightParams weightParams() {
    if (paramsBuffers == null) {
      int total = Math.max(1, paramEntries());
      paramsBuffers = new WeightParams(persistent.floats(total, "weight scales"), persistent.ints(3L * total,
          "weight levels"));
    }
    return paramsBuffers;
  }

  private int firstWeightSlot() {
    return weights.isEmpty() ? slots : weights.get(0).firstSlot;
  }

  private int weightSlots() {
    int n = 0;
    for (WeightQuantizer w : weights) {
      n += w.channels;
    }
    return n;
  }

  /** The device buffers of every weight quantizer's parameters. */
  private record WeightParams(DeviceBuffer scales, DeviceBuffer levels) {
    void upload(float[] s, int[] l, int count) {
      scales.upload(s, 0, count);
      levels.upload(l, 0, 3 * count);
    }
  }

  /**
   * How the optimizer's {@code sgd_update_stats} splits the flat parameters {@code flatValues}
   * ({@code elements} floats, of which every weight quantizer's values are a slice): each channel
   * of a quantized layer's weights is a segment recording into that quantizer's optimizer slots (a
   * large channel is split, its pieces recording into the same slot), the rest is cut into pieces
   * of at most {@value #SGD_SEGMENT} parameters. Built once.
   */
  public SgdSegments sgdSegments(DeviceBuffer flatValues, long elements) {
    if (sgdSegments != null) {
      if (sgdSegments.elements() != elements) {
        throw new IllegalArgumentException("the optimizer's segments cover " + sgdSegments.elements()
            + " parameters, not " + elements);
      }
      return sgdSegments;
    }
    List<WeightQuantizer> byOffset = new ArrayList<>(weights);
    Map<WeightQuantizer, Long> offsets = new IdentityHashMap<>();
    for (WeightQuantizer w : weights) {
      DeviceBuffer v = w.values;
      long delta = v.alignmentOffset() - flatValues.alignmentOffset();
      if (v.id() != flatValues.id() || delta < 0 || delta % 4 != 0 || delta / 4 + w.size > elements) {
        throw new IllegalArgumentException(w.q.name() + ": its weights " + v.describe()
            + " are not a slice of the flat parameters " + flatValues.describe());
      }
      offsets.put(w, delta / 4);
    }
    byOffset.sort(Comparator.comparingLong(offsets::get));
    List<long[]> segs = new ArrayList<>(); // {start, slot}
    long at = 0;
    int recorded = 0;
    for (WeightQuantizer w : byOffset) {
      long off = offsets.get(w);
      if (off < at) {
        throw new IllegalArgumentException(w.q.name() + ": its weights overlap another quantizer's");
      }
      pieces(segs, at, off, -1);
      long inner = w.size / w.channels;
      for (int c = 0; c < w.channels; c++) {
        int before = segs.size();
        pieces(segs, off + c * inner, off + (c + 1) * inner, w.optimizerSlot + c);
        recorded += segs.size() - before;
      }
      at = off + w.size;
    }
    pieces(segs, at, elements, -1);
    long[] start = new long[segs.size() + 1];
    int[] slot = new int[segs.size()];
    for (int i = 0; i < segs.size(); i++) {
      start[i] = segs.get(i)[0];
      slot[i] = (int) segs.get(i)[1];
    }
    start[segs.size()] = elements;
    DeviceBuffer startBuffer = persistent.allocate(8L * start.length, "optimizer segment starts");
    startBuffer.upload(start);
    DeviceBuffer slotBuffer = persistent.ints(slot.length, "optimizer segment slots");
    slotBuffer.upload(slot);
    sgdSegments = new SgdSegments(startBuffer, slotBuffer, slot.length, elements, recorded);
    return sgdSegments;
  }

  /** Largest segment of {@code sgd_update_stats}: one block of 256 threads, 16 parameters each. */
  static final int SGD_SEGMENT = 4096;

  /** Appends {@code [from, to)} cut into segments of at most {@link #SGD_SEGMENT} parameters recording into {@code slot}. */
  private static void pieces(List<long[]> segs, long from, long to, int slot) {
    for (long p = from; p < to; p += SGD_SEGMENT) {
      segs.add(new long[] {p, slot});
    }
  }

  /**
   * The parameters were uploaded from the host weights each weight quantizer was registered with:
   * their statistics are computed on the host (no device pass), the writer's record until the
   * optimizer's first update.
   */
  public void weightsUploaded() {
    for (WeightQuantizer w : weights) {
      w.recorded = FakeQuant.stats(w.hostWeight.data(), w.channels);
    }
  }

  /**
   * The optimizer ran {@code sgd_update_stats} this step with {@link #sgdSegments} and this
   * quantization's statistics buffer ({@link #statistics()}): {@link #endStep} keeps what it recorded
   * for the weight quantizers of the next step.
   */
  public void optimizerRecorded() {
    optimizerRecorded = true;
  }

  /** The statistics buffer the optimizer's segments record into (slots as {@link #sgdSegments} numbers them). */
  public DeviceBuffer statistics() {
    ensureAllocated();
    return stats.from(RESULTS_BYTES);
  }

  /**
   * Ends a step: one read-back of the step's results and every quantizer's statistics; the
   * quantizers used this step learn from them in the order they were used ({@code gradients} says
   * from the results whether the gradient quantizers learn: not when the step's loss was not
   * finite, whose backward the CPU engine skips).
   *
   * @return the step's results (little-endian: double loss sum, int correct, int non-finite count)
   */
  public ByteBuffer endStep(java.util.function.Predicate<ByteBuffer> gradients) {
    ByteBuffer b = read(stats);
    boolean withGradients = gradients.test(b);
    if (optimizerRecorded) {
      for (WeightQuantizer w : weights) {
        w.recorded = channelStats(b, w.optimizerSlot, w.channels, w.size);
      }
      optimizerRecorded = false;
    }
    for (Object used : order) {
      if (used instanceof WeightQuantizer w) {
        w.q.complete(w.step, channelStats(b, w.firstSlot, w.channels, w.size));
      } else if (used instanceof ActivationQuantizer a && a.step != null) {
        if (a.q.kind() == QuantKind.GRADIENT && !withGradients) {
          continue;
        }
        QuantStats s = stats(b, a.slot);
        long masked = s.clipped() + s.nonFinite();
        if (a.maskWritten) {
          // the producer set one mask bit (an atomic OR of a word) per clipped or non-finite element
          // and the summary bit of each word it found zero (at most one per element)
          k.traffic().addWritten(MASK_STOP, TrafficModel.maskStopBytes(a.elements, masked));
        }
        if (a.maskApplied) {
          // apply_mask read the words its summary marked, wrote a zero over the gradient of each
          // element they stop and cleared those words and summary words (at most one per element)
          k.traffic().addLate("apply_mask", TrafficModel.maskApplyReadBytes(a.elements, masked),
              TrafficModel.maskApplyWrittenBytes(a.elements, masked));
        }
        a.q.complete(a.step, s.perTensor(a.elements));
      }
    }
    order.clear();
    return b;
  }

  @Override
  public void close() {
    persistent.close();
  }

  /**
   * An activation or gradient quantizer on the device: a static range lets the producing kernel
   * quantize ({@link #fusedTarget}); otherwise {@link #quantize} quantizes the full-precision tensor.
   */
  public final class ActivationQuantizer {
    private final TensorQuantizer q;
    private final int slot;
    private TensorQuantizer.Step step;
    private long elements;
    private boolean maskWritten;
    private boolean maskApplied;
    private DeviceBuffer maskWords; // the STE mask, kept from step to step; null until first needed
    private long maskCapacity; // elements

    private ActivationQuantizer(TensorQuantizer q, int slot) {
      this.q = q;
      this.slot = slot;
    }

    public TensorQuantizer host() {
      return q;
    }

    private boolean mask() {
      return q.route().steMask() && training; // activations with steClip whose input gradient is computed
    }

    private void used(TensorQuantizer.Step s, long n) {
      if (step != null) {
        throw new IllegalStateException(q.name() + " quantized twice in one step");
      }
      step = s;
      elements = n;
      order.add(this);
    }

    private DeviceTensor.Quantized allocate(StepContext ctx, long n) {
      DeviceBuffer codes = ctx.scope().bytes(n, q.name() + " codes");
      DeviceBuffer m = null;
      if (mask()) {
        m = maskFor(n);
        maskWritten = true;
      }
      return new DeviceTensor.Quantized(codes, m, step.params(), this);
    }

    /**
     * The STE mask's buffer for {@code n} elements (words and summary), all zero: the producer sets
     * only the stopped bits and {@code apply_mask} clears what it read, so the buffer stays zero from step to
     * step; it is zeroed once when (re)allocated (setup, not counted per step).
     */
    private DeviceBuffer maskFor(long n) {
      if (maskWords == null || n > maskCapacity) {
        if (maskWords != null) {
          persistent.release(maskWords);
        }
        maskWords = persistent.allocate(SteMaskBits.bufferBytes(n), q.name() + " STE mask");
        maskCapacity = n;
        k.fill(maskWords, SteMaskBits.bufferWords(n), 0);
      }
      return maskWords;
    }

    /** At a step's start: a mask written but not applied (a backward skipped or failed) is zeroed again. */
    private void cleanMask() {
      if (maskWritten && !maskApplied && maskWords != null) {
        try (TrafficCounter.Quantizing counted = k.traffic().quantizing()) {
          k.fill(maskWords, SteMaskBits.bufferWords(maskCapacity), 0);
        }
      }
    }

    /**
     * The quantized output the producing kernel writes for this quantizer when its range is known
     * before the tensor exists this step (a static estimator past its warm-up), else null (the
     * producer then writes the full-precision tensor and {@link #quantize} follows).
     */
    public Fused fusedTarget(StepContext ctx, long n) {
      if (q.needsCurrentStats(training)) {
        return null;
      }
      used(q.plan(training, 1, null, null), n);
      DeviceTensor.Quantized form = allocate(ctx, n);
      return new Fused(form, new QuantOut(form.codes(), form.mask(), step.params(), step.rounding(), step.key(),
          slot(slot, 1)));
    }

    /**
     * Quantizes a full-precision tensor this quantizer consumes (its producer could not): with a
     * dynamic range, a statistics pass read back to the host first (and, for an estimator that
     * searches the values, the values), then one quantizing pass that records the statistics.
     */
    public DeviceTensor.Quantized quantize(DeviceTensor x, StepContext ctx) {
      long n = x.size();
      ChannelStats current = null;
      float[] values = null;
      TrafficCounter traffic = k.traffic();
      if (q.needsCurrentStats(training)) {
        DeviceBuffer scratch = slot(0, 1);
        k.statsInit(scratch, 1); // bookkeeping, not counted
        try (TrafficCounter.Quantizing counted = traffic.quantizing()) {
          k.minmaxReduce(x.buffer(), n, scratch);
        }
        current = k.readStats(scratch).perTensor(n); // a statistics pass clips nothing
        if (q.estimator().type() == EstimatorType.DSGC) {
          values = new float[(int) n];
          x.buffer().download(values, 0, (int) n);
          traffic.addQuantization(4L * n); // the search reads the tensor once, on the host
        }
      }
      used(q.plan(training, 1, current, values), n);
      Route.Feed feed = q.route().feed();
      if (feed == Route.Feed.WRITTEN_FOR_QUANTIZER || feed == Route.Feed.PRODUCER) {
        traffic.addQuantization(4L * n); // the producer wrote these floats only for this quantizer
      }
      DeviceTensor.Quantized form = allocate(ctx, n);
      try (TrafficCounter.Quantizing counted = traffic.quantizing()) {
        k.actQuantForward(x.buffer(), null, n, false, 0f, new QuantOut(form.codes(), form.mask(), step.params(),
            step.rounding(), step.key(), slot(slot, 1)));
      }
      return form;
    }

    /**
     * The model's input, quantized on the host as it is uploaded ({@link Route.Feed#HOST}): with a
     * dynamic range the host measures the batch first; the codes come from the quantizing kernel's
     * reference ({@link QuantizeRef#quantize}, bit for bit what {@code act_quant_fwd} would write),
     * and the upload writes them and their statistics record to the device, whose floats the batch
     * never becomes. Counted as the quantization's traffic: the codes and 16 bytes of statistics,
     * as the model charges the route.
     *
     * @param x the batch {@code (N, C, H, W)} on the host
     * @return the device tensor known by this quantizer's codes alone
     */
    public DeviceTensor upload(Tensor x, StepContext ctx) {
      if (q.route().feed() != Route.Feed.HOST || mask()) {
        throw new IllegalStateException(q.name() + ": the host quantizes only the model's input, without a mask ("
            + q.route() + ")");
      }
      float[] data = x.data();
      long n = data.length;
      ChannelStats current = null;
      if (q.needsCurrentStats(training)) {
        current = QuantizeRef.minMax(data).perTensor(n);
      }
      used(q.plan(training, 1, current, null), n);
      byte[] codes = new byte[data.length];
      QuantStats recorded = QuantizeRef.quantize(data, step.params(), step.rounding(), step.key(), codes);
      DeviceTensor.Quantized form = allocate(ctx, n);
      form.codes().upload(codes);
      slot(slot, 1).upload(recorded.words());
      k.traffic().addWritten(HOST_UPLOAD, n + TrafficModel.statsBytes(1));
      return DeviceTensor.codes(form, x.shape());
    }

    /**
     * The clipping STE in backward: zeroes {@code dX} (n floats) where the input quantized as
     * {@code form} (this quantizer's) was clipped; nothing without a mask.
     */
    public void applyMask(DeviceBuffer dX, DeviceTensor.Quantized form, long n) {
      if (form.mask() == null) {
        return;
      }
      try (TrafficCounter.Quantizing counted = k.traffic().quantizing()) {
        k.applyMask(dX, form.mask(), n);
      }
      maskApplied = true;
    }

    /** A producer's instructions: where to write the codes (and mask), and the form the consumer gets. */
    public record Fused(DeviceTensor.Quantized form, QuantOut out) {}
  }

  /**
   * A weight quantizer on the device: the weights' int8 codes for the forward product (per channel
   * or per tensor), their scales as a device array (the INT8 GEMM's per-channel epilogue scale), and
   * for a dense layer the per-tensor codes of the input gradient, transposed.
   */
  public final class WeightQuantizer {
    private final TensorQuantizer q;
    private final Tensor hostWeight; // the host weights the device values were uploaded from
    private final int[] shape;
    private final DeviceBuffer values;
    private final long size;
    private final int channels;
    private final boolean channelsReduced;
    private final int firstSlot;
    private final int optimizerSlot; // first of the channels' slots the optimizer records the new weights' statistics in
    private ChannelStats recorded; // what the weights' writer recorded: the upload, then each optimizer update
    private final DeviceBuffer codes;
    private final DeviceBuffer backwardCodesT;
    private TensorQuantizer.Step step;
    private int paramOffset;
    private QuantParams backwardParams;

    private WeightQuantizer(TensorQuantizer q, Tensor hostWeight, DeviceBuffer values, int channels,
        boolean channelsReduced, int firstSlot, int optimizerSlot) {
      this.q = q;
      this.hostWeight = hostWeight;
      this.shape = hostWeight.shape();
      this.values = values;
      long s = 1;
      for (int d : shape) {
        s *= d;
      }
      this.size = s;
      this.channels = channels;
      this.channelsReduced = channelsReduced;
      this.firstSlot = firstSlot;
      this.optimizerSlot = optimizerSlot;
      this.codes = persistent.bytes(size, q.name() + " codes");
      this.backwardCodesT = channelsReduced ? persistent.bytes(size, q.name() + " input-gradient codes (transposed)")
          : null;
    }

    public TensorQuantizer host() {
      return q;
    }

    /**
     * The statistics of the weights as their writer recorded them (the host quantizer expects them:
     * {@link TensorQuantizer#statisticsByWriter}): at the upload ({@link #weightsUploaded}) or by the
     * last optimizer update ({@link #optimizerRecorded}).
     */
    private ChannelStats writerStatistics() {
      if (recorded == null) {
        throw new IllegalStateException(q.name() + ": no statistics of the weights on the device: weightsUploaded() "
            + "must follow the parameters' upload, and the optimizer must run sgd_update_stats with this "
            + "quantization's segments after every training step");
      }
      return recorded;
    }

    /** The weights' shape (output channels first). */
    public int[] shape() {
      return shape.clone();
    }

    /** The forward codes (shape of the weights). */
    public DeviceBuffer codes() {
      return codes;
    }

    /** The forward scale of every output channel (a per-tensor scale repeated): weight.dim(0) floats on the device. */
    public DeviceBuffer scales() {
      return weightParams().scales().slice(4L * paramOffset, 4L * shape[0]);
    }

    /** The input gradient's per-tensor weight scale: 1 float on the device (dense layers). */
    public DeviceBuffer backwardScale() {
      return weightParams().scales().slice(4L * (paramOffset + shape[0]), 4);
    }

    public int channels() {
      return channels;
    }

    public QuantParams params() {
      return step.params();
    }

    /** The input gradient's weight codes, transposed to (in, out): dense layers in training only. */
    public DeviceBuffer backwardCodesTransposed() {
      return backwardCodesT;
    }

    /** The input gradient's per-tensor weight parameters: dense layers only. */
    public QuantParams backwardParams() {
      return backwardParams;
    }

    /**
     * This step's codes: a dense layer in training gets its forward codes and the input gradient's
     * transposed per-tensor codes from one pass over the weights ({@link CudaKernels#quantizeWeightsTransposed});
     * otherwise only the forward codes, per channel or per tensor.
     */
    private void quantize() {
      DeviceBuffer w = values;
      int out = shape[0];
      int inner = (int) (size / out);
      DeviceBuffer levels = channels > 1 ? weightParams().levels().slice(12L * paramOffset, 12L * channels) : null;
      if (backwardParams != null) {
        k.quantizeWeightsTransposed(w, codes, backwardCodesT, out, inner, channels, channels > 1 ? scales() : null,
            levels, backwardParams, step.rounding(), step.key(), slot(firstSlot, channels));
      } else if (channels > 1) {
        k.quantizeChannels(w, codes, size, channels, scales(), levels, step.rounding(), step.key(),
            slot(firstSlot, channels));
      } else {
        k.quantizeStatic(w, codes, size, step.params(), step.rounding(), step.key(), slot(firstSlot, 1));
      }
      order.add(this);
    }
  }
}

package io.hindsight.quant;

import io.hindsight.backend.Backend;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.config.QuantizerSpec;
import io.hindsight.quant.estimator.RangeEstimator;
import io.hindsight.quant.estimator.RangeRequest;
import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.Rounding;
import io.hindsight.quant.traffic.Route;
import io.hindsight.quant.traffic.TrafficMeter;
import io.hindsight.quant.traffic.TrafficModel;
import io.hindsight.quant.traffic.TrafficTotals;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.CounterRng;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One quantizer, named {@code <layer>/<kind>} (e.g. {@code stage2.block0.conv1/gradient}):
 * a {@link QuantGrid}, a rounding mode and a {@link RangeEstimator}.
 *
 * <p>{@link #quantize(Tensor, boolean)}:
 * <ul>
 *   <li>static estimator (after warm-up): one pass, quantizing with the estimator's range and
 *       collecting the tensor's statistics for the next step;
 *   <li>dynamic estimator (or a static one warming up dynamically): a statistics pass, the range,
 *       then the quantizing pass.
 * </ul>
 * In training the estimator learns from the statistics, and the quantization is recorded: a
 * {@link QuantizationRecord} in a bounded history and to the listeners, run totals, and its memory
 * traffic. In evaluation the current estimate is used with round-to-nearest-even and nothing
 * changes: no estimator update, no random draw, no record.
 *
 * <p>Per-channel quantizers use one range per slice of axis 0. Not thread-safe.
 */
public final class TensorQuantizer {
  /** Records kept by default in {@link #history()}. */
  public static final int DEFAULT_HISTORY_CAPACITY = 256;

  private final String layer;
  private final QuantKind kind;
  private final String name;
  private final QuantizerSpec spec;
  private final QuantGrid grid;
  private final RangeEstimator estimator;
  private final long streamSeed; // stochastic rounding: CounterRng key of call t = key(streamSeed, t)
  private final LongSupplier clock;
  private final TrafficMeter meter; // may be null
  private final List<QuantizationListener> listeners;
  private final int historyCapacity;
  private final Backend parallel; // may be null: one loop
  private final ArrayDeque<QuantizationRecord> history = new ArrayDeque<>();

  private long steps;
  private long elements;
  private long clipped;
  private long nonFiniteValues;
  private Range lastRange;
  private TrafficTotals traffic = TrafficTotals.ZERO;
  private Route route;

  /**
   * A stand-alone quantizer: records are stamped with the number of earlier training calls, no
   * shared traffic meter, no listeners.
   *
   * @param seed the stream seed of stochastic rounding
   */
  public TensorQuantizer(String layer, QuantKind kind, QuantizerSpec spec, long seed) {
    this(layer, kind, spec, seed, null, null, List.of(), DEFAULT_HISTORY_CAPACITY, null);
  }

  /**
   * @param streamSeed stochastic rounding's {@link CounterRng} stream: training call {@code t} uses
   *     {@code CounterRng.key(streamSeed, t)}, so the numbers depend only on the seed, the call and the
   *     element index (a resumed run continues them from the checkpointed call count)
   * @param clock the trainer's step for records; null stamps the number of earlier training calls
   * @param meter shared traffic aggregation, or null
   * @param listeners live list consulted at every training quantization
   * @param parallel the model's backend, whose threads share the passes over large tensors (same
   *     results as one loop), or null
   */
  TensorQuantizer(
      String layer, QuantKind kind, QuantizerSpec spec, long streamSeed, LongSupplier clock, TrafficMeter meter,
      List<QuantizationListener> listeners, int historyCapacity, Backend parallel) {
    if (historyCapacity < 0) {
      throw new IllegalArgumentException("history capacity must be >= 0, got " + historyCapacity);
    }
    this.layer = layer;
    this.kind = kind;
    this.name = layer + "/" + kind.id();
    this.spec = spec;
    this.grid = spec.grid();
    this.estimator = spec.newEstimator();
    this.streamSeed = streamSeed;
    this.clock = clock != null ? clock : () -> steps;
    this.meter = meter;
    this.listeners = listeners;
    this.historyCapacity = historyCapacity;
    this.parallel = parallel;
    this.route = kind == QuantKind.WEIGHT ? new Route(Route.Feed.EXISTING_FLOATS, false, Route.WeightCopy.NONE)
        : new Route(Route.Feed.PRODUCER, kind == QuantKind.ACTIVATION && spec.steClip(), Route.WeightCopy.NONE);
  }

  /**
   * How the tensor reaches this quantizer on an accelerator, which the traffic of each quantization
   * is charged by (default: activations and gradients from a producer that quantizes, weights from
   * the parameters); set from the model's structure by {@link QuantRoutes}.
   */
  public Route route() {
    return route;
  }

  /** Sets {@link #route()}. */
  public void route(Route r) {
    if (r == null) {
      throw new IllegalArgumentException(name + ": route is required");
    }
    this.route = r;
  }

  /** {@code <layer>/<kind>}. */
  public String name() {
    return name;
  }

  public String layer() {
    return layer;
  }

  public QuantKind kind() {
    return kind;
  }

  public QuantizerSpec spec() {
    return spec;
  }

  public RangeEstimator estimator() {
    return estimator;
  }

  /** The fake-quantized copy of {@code x} (same shape); see the class comment. */
  public Tensor quantize(Tensor x, boolean training) {
    return quantize(x, training, null);
  }

  /**
   * As {@link #quantize(Tensor, boolean)}, also setting {@code clipMask[i]} to whether element
   * {@code i} was clipped or non-finite.
   */
  Tensor quantize(Tensor x, boolean training, boolean[] clipMask) {
    float[] in = x.data();
    Tensor out = Tensor.zerosLike(x);
    if (in.length == 0) {
      return out;
    }
    int channels = spec.perChannel() ? x.dim(0) : 1;
    boolean dynamic = needsCurrentStats(training);
    ChannelStats current = dynamic ? FakeQuant.stats(in, channels, parallel) : null;
    Step step = plan(training, channels, current, dynamic ? in : null);
    ChannelStats observed = FakeQuant.quantize(in, out.data(), step.params(), step.rounding(), step.key(), clipMask,
        parallel);
    complete(step, observed);
    return out;
  }

  /**
   * One quantization of a tensor as decided before its pass: the range and the parameters derived
   * from it, the rounding and its {@link CounterRng} key, whether the range came from the tensor
   * itself (a dynamic step), the channel count, and whether it is a training quantization.
   */
  public record Step(Range range, QuantParams params, Rounding rounding, long key, boolean dynamic, int channels,
      boolean training) {}

  /**
   * Whether the next quantization needs the tensor's own statistics (and values) before its range
   * is known: a dynamic estimator, or a static one warming up. Evaluation asks with {@code training = false}.
   */
  public boolean needsCurrentStats(boolean training) {
    return estimator.needsCurrentStats(training);
  }

  /**
   * Decides a quantization before its pass (the CPU's {@link #quantize} and the device's kernels
   * both start here): the estimator's range for a tensor of {@code channels} channels, given its
   * statistics {@code current} and {@code values} when {@link #needsCurrentStats} said so (else null).
   * Changes no state.
   */
  public Step plan(boolean training, int channels, ChannelStats current, float[] values) {
    boolean dynamic = current != null;
    Range range = estimator.range(new RangeRequest(channels, current, values, training));
    return new Step(range, QuantParams.of(grid, range), training ? spec.rounding() : Rounding.NEAREST,
        stochasticKey(), dynamic, channels, training);
  }

  /**
   * Whether the statistics this quantizer needs are recorded by whoever writes its tensor, so that
   * no statistics pass reads the tensor: the weights' (the optimizer records the new weights'
   * statistics in its update, {@code sgd_update_stats} on the device, and the host computes those of
   * the weights it uploads at the start; no weight estimator searches the values). Every engine
   * charges the same ({@code TrafficModel.bytes(..., statsByWriter, ...)}).
   */
  public boolean statisticsByWriter() {
    return kind == QuantKind.WEIGHT;
  }

  /**
   * Learns from the pass of a planned quantization: {@code observed} are the statistics of the tensor
   * quantized with {@code step} (from {@link FakeQuant#quantize} on the CPU, from the producing kernel
   * on the device). A training step updates the estimator and is recorded (history, totals, traffic,
   * listeners) and advances stochastic rounding's counter; an evaluation step changes nothing.
   */
  public void complete(Step step, ChannelStats observed) {
    if (step.training()) {
      estimator.update(observed, step.range());
      record(observed, step.range(), step.dynamic(), step.channels());
    }
  }

  /** The {@link CounterRng} key of the next training quantization (a function of the stream and the call count). */
  public long stochasticKey() {
    return CounterRng.key(streamSeed, steps);
  }

  private void record(ChannelStats s, Range used, boolean dynamic, int channels) {
    TrafficTotals t = TrafficModel.quantization(s.elements(), grid.bits(), channels, dynamic,
        dynamic && statisticsByWriter(),
        dynamic ? estimator.searchReadBytes(s.elements()) : 0, route, s.clipped() + s.nonFinite());
    QuantizationRecord r = new QuantizationRecord(clock.getAsLong(), name, used.envelopeMin(), used.envelopeMax(),
        s.envelopeMin(), s.envelopeMax(), s.clippedFraction(), s.clipped(), s.nonFinite(), s.elements(), dynamic,
        t.bytesMoved(), t.bytesMovedIfDynamic());
    steps++;
    elements += s.elements();
    clipped += s.clipped();
    nonFiniteValues += s.nonFinite();
    lastRange = used;
    traffic = traffic.plus(t);
    if (meter != null) {
      meter.record(t);
    }
    if (historyCapacity > 0) {
      if (history.size() == historyCapacity) {
        history.removeFirst();
      }
      history.addLast(r);
    }
    for (QuantizationListener l : listeners) {
      l.onQuantized(r);
    }
  }

  /**
   * The weights {@code w} fake-quantized per tensor with the envelope of the range the last training
   * quantization used (the input-gradient weights of a dense layer with per-channel weights: see
   * {@link io.hindsight.nn.QuantHooks#backwardWeight}); round to nearest, no statistics recorded.
   */
  public Tensor requantizePerTensor(Tensor w) {
    if (lastRange == null) {
      throw new IllegalStateException(name + ": no training quantization yet to take the range from");
    }
    QuantParams p = QuantParams.of(grid, Range.of(lastRange.envelopeMin(), lastRange.envelopeMax()));
    Tensor out = Tensor.zerosLike(w);
    FakeQuant.quantize(w.data(), out.data(), p, Rounding.NEAREST, 0L, null, parallel);
    return out;
  }

  /** The most recent training records, oldest first (at most the history capacity). */
  public List<QuantizationRecord> history() {
    return new ArrayList<>(history);
  }

  /** The most recent training record, or null. */
  public QuantizationRecord last() {
    return history.peekLast();
  }

  /** The last range used in training, or null. */
  public Range lastRange() {
    return lastRange;
  }

  /** This quantizer's traffic over the run. */
  public TrafficTotals traffic() {
    return traffic;
  }

  /** Run totals for {@code result.json}. */
  public QuantizerSummary summary() {
    return new QuantizerSummary(name, layer, kind.id(), grid.bits(), grid.symmetric(), spec.granularity().id(),
        spec.estimator().id(), estimator.isStatic(), spec.rounding().name().toLowerCase(Locale.ROOT),
        steps, elements, clipped, elements == 0 ? 0.0 : (double) clipped / elements, nonFiniteValues,
        estimator.nonFiniteEvents(), lastRange == null ? Double.NaN : lastRange.envelopeMin(),
        lastRange == null ? Double.NaN : lastRange.envelopeMax(), traffic);
  }

  /**
   * The checkpoint state (estimator, totals). Stochastic rounding keeps no generator state: its
   * numbers are a function of the stream seed and the call count {@code steps}, which is saved.
   */
  public QuantizerState state() {
    return new QuantizerState(spec.estimator().id(), estimator.state(),
        new long[] {steps, elements, clipped, nonFiniteValues},
        lastRange == null ? null : lastRange.mins(), lastRange == null ? null : lastRange.maxs(), traffic);
  }

  /** Restores a state from {@link #state()} of a quantizer with the same configuration. */
  public void restore(QuantizerState s) {
    if (!spec.estimator().id().equals(s.estimator())) {
      throw new IllegalArgumentException(name + ": checkpoint holds a " + s.estimator()
          + " estimator state but this quantizer uses " + spec.estimator().id());
    }
    if (s.counters() == null || s.counters().length != 4) {
      throw new IllegalArgumentException(name + ": checkpoint counters must be {steps, elements, clipped, nonFinite}, got "
          + Arrays.toString(s.counters()));
    }
    estimator.restore(s.estimatorState() == null ? Map.of() : s.estimatorState());
    steps = s.counters()[0];
    elements = s.counters()[1];
    clipped = s.counters()[2];
    nonFiniteValues = s.counters()[3];
    lastRange = s.lastRangeMin() == null ? null : Range.of(s.lastRangeMin(), s.lastRangeMax());
    traffic = s.traffic() == null ? TrafficTotals.ZERO : s.traffic();
    history.clear();
  }

  @Override
  public String toString() {
    return name + "(" + grid.bits() + "-bit " + (grid.symmetric() ? "symmetric" : "asymmetric") + ", "
        + spec.estimator() + ")";
  }
}

package io.hindsight.quant;

import io.hindsight.backend.Backend;
import io.hindsight.nn.QuantHooks;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.config.QuantizationConfig;
import io.hindsight.quant.config.QuantizerSpec;
import io.hindsight.quant.traffic.TrafficMeter;
import io.hindsight.quant.traffic.TrafficTotals;
import io.hindsight.util.CounterRng;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The quantization of one training run, built from the job spec's {@code quantization} block: the
 * {@link QuantHooksProvider} handed to {@code ModelFactory}, which asks it for the hooks of each
 * Linear/Conv2d layer by name. Each enabled layer gets {@link LayerQuantHooks} with up to three
 * {@link TensorQuantizer}s ({@code <layer>/weight}, {@code <layer>/activation},
 * {@code <layer>/gradient}); a disabled layer gets {@link QuantHooks#NONE}.
 *
 * <p>Trainer usage:
 * <pre>
 *   QuantizationPlan plan = QuantizationPlan.create(config, jobSeed);
 *   Model model = new ModelFactory(backend, plan, rng).build(...);
 *   plan.requireOverridesMatched();                  // every layers.&lt;name&gt; override was used
 *   plan.addListener(new RangesCsv.Writer(out, 100, true));
 *   for each epoch: plan.beginEpoch();
 *     for each step: plan.beginStep(step); forward; loss; backward; sgd.step(lr);
 *       plan.traffic().step() ...
 *   result.json: plan.summaries(), plan.traffic().run()
 *   checkpoint:  plan.state() / plan.restore(state)
 * </pre>
 *
 * <p>Stochastic rounding of quantizer {@code name} draws from the {@link CounterRng} stream
 * {@code CounterRng.stream(seed, fnv1a64(name))}, independent of the order in which layers are built. Not thread-safe.
 */
public final class QuantizationPlan implements QuantHooksProvider {
  private final QuantizationConfig config;
  private final long seed;
  private final int historyCapacity;
  private final Map<String, LayerQuantHooks> layers = new LinkedHashMap<>();
  private final Set<String> fullPrecisionLayers = new LinkedHashSet<>();
  private final Map<String, TensorQuantizer> quantizers = new LinkedHashMap<>();
  private final List<QuantizationListener> listeners = new CopyOnWriteArrayList<>();
  private final TrafficMeter traffic = new TrafficMeter();
  private long step;

  private QuantizationPlan(QuantizationConfig config, long seed, int historyCapacity) {
    this.config = config;
    this.seed = seed;
    this.historyCapacity = historyCapacity;
  }

  /**
   * A plan from a validated-here {@code config}; stochastic rounding is seeded by
   * {@code config.seed} if given, else by {@code fallbackSeed} (the job's seed).
   *
   * @throws QuantConfigException if the config is invalid
   */
  public static QuantizationPlan create(QuantizationConfig config, long fallbackSeed) {
    return create(config, fallbackSeed, null, TensorQuantizer.DEFAULT_HISTORY_CAPACITY);
  }

  /**
   * As {@link #create(QuantizationConfig, long)}, also checking the per-layer overrides against
   * the model's quantizable layer names ({@link QuantizableLayers#names}) when not null, and
   * keeping {@code historyCapacity} records per quantizer.
   */
  public static QuantizationPlan create(
      QuantizationConfig config, long fallbackSeed, Collection<String> layerNames, int historyCapacity) {
    QuantizationConfig c = config == null ? QuantizationConfig.defaults() : config;
    c.validate(layerNames);
    return new QuantizationPlan(c, c.seedOr(fallbackSeed), historyCapacity);
  }

  public QuantizationConfig config() {
    return config;
  }

  /** The seed of stochastic rounding. */
  public long seed() {
    return seed;
  }

  @Override
  public QuantHooks forLayer(String layerName) {
    return forLayer(layerName, null);
  }

  /** As {@link #forLayer(String)}; the layer's quantizers split passes over large tensors over {@code backend}'s threads. */
  @Override
  public QuantHooks forLayer(String layerName, Backend backend) {
    if (layers.containsKey(layerName) || fullPrecisionLayers.contains(layerName)) {
      throw new IllegalStateException("layer '" + layerName + "' asked for quantization hooks twice;"
          + " layer names must be unique and a plan serves one model");
    }
    if (!config.layerEnabled(layerName)) {
      fullPrecisionLayers.add(layerName);
      return QuantHooks.NONE;
    }
    LayerQuantHooks hooks = new LayerQuantHooks(layerName,
        newQuantizer(layerName, QuantKind.WEIGHT, backend),
        newQuantizer(layerName, QuantKind.ACTIVATION, backend),
        newQuantizer(layerName, QuantKind.GRADIENT, backend));
    layers.put(layerName, hooks);
    return hooks;
  }

  private TensorQuantizer newQuantizer(String layer, QuantKind kind, Backend backend) {
    QuantizerSpec spec = config.resolve(layer, kind);
    if (!spec.enabled()) {
      return null;
    }
    String name = layer + "/" + kind.id();
    TensorQuantizer q = new TensorQuantizer(layer, kind, spec, CounterRng.stream(seed, fnv1a64(name)), () -> step, traffic,
        listeners, historyCapacity, backend);
    quantizers.put(name, q);
    return q;
  }

  /** FNV-1a over the UTF-8 bytes: a stable 64-bit id of a quantizer name. */
  static long fnv1a64(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /**
   * Once the model is built: throws {@link io.hindsight.quant.config.QuantConfigException} if a
   * per-layer override names a layer the model never asked hooks for (a typo).
   */
  public void requireOverridesMatched() {
    Set<String> known = new LinkedHashSet<>(layers.keySet());
    known.addAll(fullPrecisionLayers);
    config.validate(known);
  }

  /** Sets the step stamped on records and restarts the per-step traffic; call before each training step. */
  public void beginStep(long step) {
    this.step = step;
    traffic.beginStep();
  }

  /** Restarts the per-epoch traffic. */
  public void beginEpoch() {
    traffic.beginEpoch();
  }

  /** The last step passed to {@link #beginStep}. */
  public long step() {
    return step;
  }

  /** Every quantizer, in the order the layers were built (weight, activation, gradient per layer). */
  public List<TensorQuantizer> quantizers() {
    return List.copyOf(quantizers.values());
  }

  /** The quantizer named {@code <layer>/<kind>}. */
  public Optional<TensorQuantizer> quantizer(String name) {
    return Optional.ofNullable(quantizers.get(name));
  }

  /** The hooks of every quantized layer, by layer name. */
  public Map<String, LayerQuantHooks> layers() {
    return Collections.unmodifiableMap(layers);
  }

  /** Layers left in full precision ({@code enabled: false}). */
  public Set<String> fullPrecisionLayers() {
    return Collections.unmodifiableSet(fullPrecisionLayers);
  }

  /** Run totals of every quantizer, for {@code result.json}. */
  public List<QuantizerSummary> summaries() {
    List<QuantizerSummary> out = new ArrayList<>();
    for (TensorQuantizer q : quantizers.values()) {
      out.add(q.summary());
    }
    return out;
  }

  /** Traffic per step / epoch / run over all quantizers. */
  public TrafficMeter traffic() {
    return traffic;
  }

  /** Receives every training quantization record (e.g. {@link RangesCsv.Writer}). */
  public void addListener(QuantizationListener listener) {
    listeners.add(listener);
  }

  public void removeListener(QuantizationListener listener) {
    listeners.remove(listener);
  }

  /** The checkpoint state: step, every quantizer's estimator and RNG state and totals, run traffic. */
  public QuantizationState state() {
    Map<String, QuantizerState> s = new LinkedHashMap<>();
    for (TensorQuantizer q : quantizers.values()) {
      s.put(q.name(), q.state());
    }
    return new QuantizationState(step, s, traffic.run());
  }

  /**
   * Restores a state from {@link #state()} of a plan with the same configuration and model; the
   * next quantizations use exactly the ranges and random draws the saved run would have used.
   *
   * @throws IllegalArgumentException if the quantizers differ
   */
  public void restore(QuantizationState state) {
    Set<String> saved = new TreeSet<>(state.quantizers().keySet());
    Set<String> mine = new TreeSet<>(quantizers.keySet());
    if (!saved.equals(mine)) {
      Set<String> missing = new TreeSet<>(mine);
      missing.removeAll(saved);
      Set<String> extra = new TreeSet<>(saved);
      extra.removeAll(mine);
      throw new IllegalArgumentException("checkpoint quantizers do not match this plan: missing " + missing
          + ", unexpected " + extra);
    }
    for (TensorQuantizer q : quantizers.values()) {
      q.restore(state.quantizers().get(q.name()));
    }
    step = state.step();
    traffic.restore(state.runTraffic() == null ? TrafficTotals.ZERO : state.runTraffic());
  }
}

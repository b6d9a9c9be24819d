package io.hindsight.quant.config;

import io.hindsight.quant.estimator.EstimatorType;
import io.hindsight.quant.estimator.Warmup;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.Rounding;
import java.util.function.Function;

/**
 * Merges the built-in defaults, the global block and a per-layer override of one kind, field by
 * field (the most specific non-null value wins), and validates the result. Each error names the
 * JSON path where the offending value was written (or, for a built-in default, where it would be
 * overridden).
 */
final class SpecResolver {
  static final int MAX_HISTORY_LENGTH = 1 << 20;
  static final int MAX_WARMUP_STEPS = 10_000;

  private final QuantKind kind;
  private final TensorQuantConfig builtIn;
  private final TensorQuantConfig global;
  private final String globalPath;
  private final TensorQuantConfig override;
  private final String overridePath;

  /** A merged value and the block ({@code quantization.weights}, ...) that supplied it. */
  private record Field<T>(T value, String block, String name) {
    String path() {
      return JsonPaths.child(block, name);
    }
  }

  private SpecResolver(
      QuantKind kind, TensorQuantConfig global, String globalPath, TensorQuantConfig override, String overridePath) {
    this.kind = kind;
    this.builtIn = TensorQuantConfig.defaults(kind);
    this.global = global == null ? TensorQuantConfig.INHERIT : global;
    this.globalPath = globalPath;
    this.override = override == null ? TensorQuantConfig.INHERIT : override;
    this.overridePath = overridePath;
  }

  /**
   * @param global the global block of {@code kind} (null: all defaults), written at {@code globalPath}
   * @param override a layer's block of {@code kind} (null: none), written at {@code overridePath}
   */
  static QuantizerSpec resolve(
      QuantKind kind, TensorQuantConfig global, String globalPath, TensorQuantConfig override, String overridePath) {
    return new SpecResolver(kind, global, globalPath, override, overridePath).resolve();
  }

  private <T> Field<T> field(String name, Function<TensorQuantConfig, T> get) {
    T v = get.apply(override);
    if (v != null) {
      return new Field<>(v, overridePath, name);
    }
    v = get.apply(global);
    return new Field<>(v != null ? v : get.apply(builtIn), globalPath, name);
  }

  private QuantizerSpec resolve() {
    Field<Integer> bits = field("bits", TensorQuantConfig::bits);
    if (bits.value() < QuantGrid.MIN_BITS || bits.value() > QuantGrid.MAX_BITS) {
      throw new QuantConfigException(bits.path(),
          "must be an integer in [" + QuantGrid.MIN_BITS + ", " + QuantGrid.MAX_BITS + "], got " + bits.value());
    }
    Field<String> estimatorField = field("estimator", TensorQuantConfig::estimator);
    EstimatorType estimator = EstimatorType.fromId(estimatorField.value()).orElseThrow(() -> new QuantConfigException(
        estimatorField.path(), "unknown estimator '" + estimatorField.value() + "'; expected one of " + EstimatorType.ids()));
    Field<String> granularityField = field("granularity", TensorQuantConfig::granularity);
    Granularity granularity = Granularity.fromId(granularityField.value()).orElseThrow(() -> new QuantConfigException(
        granularityField.path(),
        "unknown granularity '" + granularityField.value() + "'; expected one of " + Granularity.ids()));
    if (granularity == Granularity.PER_CHANNEL && kind != QuantKind.WEIGHT) {
      throw new QuantConfigException(granularityField.path(),
          "per-channel quantization is supported for weights only, not " + kind.section());
    }
    Field<String> roundingField = field("rounding", TensorQuantConfig::rounding);
    Rounding rounding = switch (roundingField.value()) {
      case "nearest" -> Rounding.NEAREST;
      case "stochastic" -> Rounding.STOCHASTIC;
      default -> throw new QuantConfigException(roundingField.path(),
          "unknown rounding '" + roundingField.value() + "'; expected one of [nearest, stochastic]");
    };
    Field<Boolean> symmetric = field("symmetric", TensorQuantConfig::symmetric);
    Field<Double> momentum = field("momentum", TensorQuantConfig::momentum);
    if (!(momentum.value() >= 0 && momentum.value() < 1)) {
      throw new QuantConfigException(momentum.path(), "must be in [0, 1), got " + momentum.value());
    }
    Field<Integer> historyLength = field("historyLength", TensorQuantConfig::historyLength);
    if (historyLength.value() < 1 || historyLength.value() > MAX_HISTORY_LENGTH) {
      throw new QuantConfigException(historyLength.path(),
          "must be in [1, " + MAX_HISTORY_LENGTH + "], got " + historyLength.value());
    }
    Field<Integer> margin = field("margin", TensorQuantConfig::margin);
    if (margin.value() < -30 || margin.value() > 30) {
      throw new QuantConfigException(margin.path(), "must be in [-30, 30], got " + margin.value());
    }
    Field<String> warmupField = field("warmup", TensorQuantConfig::warmup);
    Warmup warmup = Warmup.fromId(warmupField.value()).orElseThrow(() -> new QuantConfigException(
        warmupField.path(), "unknown warmup '" + warmupField.value() + "'; expected one of " + Warmup.ids()));
    Field<Integer> warmupSteps = field("warmupSteps", TensorQuantConfig::warmupSteps);
    if (warmupSteps.value() < 1 || warmupSteps.value() > MAX_WARMUP_STEPS) {
      throw new QuantConfigException(warmupSteps.path(),
          "must be in [1, " + MAX_WARMUP_STEPS + "], got " + warmupSteps.value());
    }
    Field<Double> min = field("min", TensorQuantConfig::min);
    Field<Double> max = field("max", TensorQuantConfig::max);
    boolean needsRange = estimator == EstimatorType.FIXED || (estimator.hasWarmup() && warmup == Warmup.FIXED);
    if (needsRange) {
      boolean fixed = estimator == EstimatorType.FIXED;
      String why = fixed ? "the fixed estimator" : "warmup 'fixed'";
      String requiredIn = fixed ? estimatorField.block() : warmupField.block(); // where the need arose
      requireFinite(min, why, requiredIn);
      requireFinite(max, why, requiredIn);
      if (!(min.value() < max.value())) {
        throw new QuantConfigException(max.path(),
            why + " needs min < max, got min " + min.value() + " and max " + max.value());
      }
    }
    if (estimator == EstimatorType.DSGC && kind != QuantKind.GRADIENT) {
      throw new QuantConfigException(estimatorField.path(),
          "dsgc (direction-sensitive gradient clipping) is for gradients only, not " + kind.section());
    }
    if ((estimator == EstimatorType.DSGC || estimator == EstimatorType.AMAX_HISTORY) && !symmetric.value()) {
      throw new QuantConfigException(symmetric.path(),
          estimator + " produces symmetric ranges and needs symmetric: true");
    }
    Field<Boolean> steClip = field("steClip", TensorQuantConfig::steClip);
    if (steClip.value() && kind != QuantKind.ACTIVATION) {
      throw new QuantConfigException(steClip.path(),
          "the clipping straight-through estimator applies to activations only, not " + kind.section());
    }
    return new QuantizerSpec(
        field("enabled", TensorQuantConfig::enabled).value(),
        bits.value(),
        estimator,
        granularity,
        rounding,
        symmetric.value(),
        momentum.value(),
        historyLength.value(),
        margin.value(),
        min.value() == null ? Double.NaN : min.value(),
        max.value() == null ? Double.NaN : max.value(),
        warmup,
        steClip.value(),
        warmupSteps.value());
  }

  /** A missing value is reported in {@code requiredIn}, the block that chose the estimator or warm-up needing it. */
  private static void requireFinite(Field<Double> f, String why, String requiredIn) {
    if (f.value() == null) {
      throw new QuantConfigException(JsonPaths.child(requiredIn, f.name()), why + " needs this value");
    }
    if (!Double.isFinite(f.value())) {
      throw new QuantConfigException(f.path(), "must be finite, got " + f.value());
    }
  }
}

package io.hindsight.quant.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code quantization} block of a job spec, e.g.
 * <pre>
 * {"enabled": true,
 *  "weights":     {"bits": 8, "estimator": "current-minmax", "granularity": "per-channel"},
 *  "activations": {"bits": 8, "estimator": "hindsight-minmax", "symmetric": false, "steClip": true},
 *  "gradients":   {"bits": 8, "estimator": "hindsight-minmax", "rounding": "stochastic"},
 *  "layers": {"conv1": {"weights": {"bits": 8}}, "fc": {"enabled": false}},
 *  "seed": 42}
 * </pre>
 * Every field is optional. Resolution of one quantizer, field by field, most specific first:
 * the layer's override block ({@code layers.<name>.<kind>}), the global block ({@code <kind>}),
 * the built-in default ({@link TensorQuantConfig#defaults}): INT8 everywhere; weights
 * {@code current-minmax} per-channel symmetric round-to-nearest; activations
 * {@code hindsight-minmax} per-tensor asymmetric with the clipping STE; gradients
 * {@code hindsight-minmax} per-tensor symmetric with stochastic rounding.
 *
 * <p>Layer names are the exact hierarchical names of Linear/Conv2d layers
 * ({@code stage2.block0.conv1}). {@code enabled: false} (global, per layer, or per kind) leaves the
 * tensors in full precision. Unknown JSON fields are rejected whatever the ObjectMapper settings;
 * {@link QuantConfigReader} also rejects type coercions. {@link #validate(Collection)} checks
 * everything else and throws {@link QuantConfigException} naming the field's JSON path.
 *
 * @param enabled default true (the block being present turns quantization on)
 * @param seed seeds stochastic rounding; null uses the seed the plan is created with (the job's)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QuantizationConfig(
    Boolean enabled,
    TensorQuantConfig weights,
    TensorQuantConfig activations,
    TensorQuantConfig gradients,
    Map<String, LayerQuantConfig> layers,
    Long seed) {

  /** Everything default: INT8 fully quantized training with in-hindsight activations and gradients. */
  public static QuantizationConfig defaults() {
    return new QuantizationConfig(null, null, null, null, null, null);
  }

  @JsonAnySetter
  private void rejectUnknown(String name, Object value) {
    throw new StrictJson.UnknownFieldException(name, QuantizationConfig.class);
  }

  /** Whether quantization is on at all. */
  public boolean isEnabled() {
    return enabled == null || enabled;
  }

  /** The global block of {@code kind}, or null. */
  public TensorQuantConfig block(QuantKind kind) {
    return switch (kind) {
      case WEIGHT -> weights;
      case ACTIVATION -> activations;
      case GRADIENT -> gradients;
    };
  }

  /** The per-layer overrides (never null). */
  public Map<String, LayerQuantConfig> layerOverrides() {
    return layers == null ? Map.of() : layers;
  }

  /** {@link #seed} if given, else {@code fallback}. */
  public long seedOr(long fallback) {
    return seed == null ? fallback : seed;
  }

  /** Whether {@code layer} is quantized at all (globally enabled and not disabled by its override). */
  public boolean layerEnabled(String layer) {
    LayerQuantConfig o = layerOverrides().get(layer);
    return isEnabled() && (o == null || o.enabled() == null || o.enabled());
  }

  /** The resolved spec of {@code layer}'s {@code kind} quantizer; throws {@link QuantConfigException} if invalid. */
  public QuantizerSpec resolve(String layer, QuantKind kind) {
    String globalPath = JsonPaths.child(JsonPaths.ROOT, kind.section());
    LayerQuantConfig o = layerOverrides().get(layer);
    TensorQuantConfig override = o == null ? null : o.block(kind);
    String overridePath = JsonPaths.child(layerPath(layer), kind.section());
    return SpecResolver.resolve(kind, block(kind), globalPath, override, overridePath);
  }

  /** Validates every block and override without checking layer names. */
  public void validate() {
    validate(null);
  }

  /**
   * Validates every block and override; with {@code layerNames} (the model's quantizable layers)
   * also that every override names one of them.
   *
   * @throws QuantConfigException naming the first invalid field
   */
  public void validate(Collection<String> layerNames) {
    for (QuantKind kind : QuantKind.values()) {
      SpecResolver.resolve(kind, block(kind), JsonPaths.child(JsonPaths.ROOT, kind.section()), null, null);
    }
    Set<String> known = layerNames == null ? null : new TreeSet<>(layerNames);
    for (Map.Entry<String, LayerQuantConfig> e : layerOverrides().entrySet()) {
      String name = e.getKey();
      String path = layerPath(name);
      if (name == null || name.isBlank()) {
        throw new QuantConfigException(JsonPaths.child(JsonPaths.ROOT, "layers"), "layer names must not be blank");
      }
      if (e.getValue() == null) {
        throw new QuantConfigException(path, "must be an object, got null");
      }
      if (known != null && !known.contains(name)) {
        throw new QuantConfigException(path, "unknown layer '" + name + "'; the model's quantizable layers are " + known);
      }
      for (QuantKind kind : QuantKind.values()) {
        resolve(name, kind);
      }
    }
  }

  private static String layerPath(String layer) {
    return JsonPaths.child(JsonPaths.child(JsonPaths.ROOT, "layers"), layer);
  }
}

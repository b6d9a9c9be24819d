package io.hindsight.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.quant.QuantizableLayers;
import io.hindsight.quant.config.QuantConfigException;
import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.config.QuantizationConfig;
import io.hindsight.util.Rng;
import java.util.List;
import java.util.Set;

/**
 * Parses, defaults and validates {@link JobSpec}s strictly: unknown fields, duplicate keys,
 * wrong JSON types (no string-to-number or number-to-boolean coercion, no float for an integer)
 * and out-of-range values are all rejected with a {@link SpecException} naming the field.
 */
public final class JobSpecs {
  public static final Set<String> DATASETS = Set.of("fashion-mnist", "mnist", "synthetic");
  public static final Set<String> BACKENDS = Set.of("cpu", "cuda", "cuda-sim", "auto");
  public static final Set<String> ENGINES = Set.of("hindsight", "djl");
  public static final Set<String> SCHEDULES = Set.of("constant", "step", "cosine");

  /** Upper limits on what one job may ask for. */
  public static final int MAX_EPOCHS = 1000;
  public static final int MAX_BATCH = 4096;
  public static final double MAX_WIDTH = 4.0;

  private static final ObjectMapper STRICT = strictMapper();

  private JobSpecs() {}

  /** The mapper used for specs: strict on input, stable (sorted) on output. */
  public static ObjectMapper strictMapper() {
    JsonMapper m = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .build();
    m.coercionConfigDefaults()
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    // numbers stay numbers: an integer is a fine value for a double field
    m.coercionConfigFor(Double.class).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
    m.coercionConfigFor(Long.class).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
    m.coercionConfigFor(Integer.class).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
    return m;
  }

  /** Parses JSON text into a raw (not yet defaulted) spec. */
  public static JobSpec parse(String json) {
    if (json == null || json.isBlank()) {
      throw new SpecException("", "the job spec is empty; expected a JSON object");
    }
    try {
      JobSpec spec = STRICT.readValue(json, JobSpec.class);
      if (spec == null) {
        throw new SpecException("", "the job spec is null; expected a JSON object");
      }
      return spec;
    } catch (UnrecognizedPropertyException e) {
      throw new SpecException(path(e), "unknown field '" + e.getPropertyName() + "'; known fields: "
          + e.getKnownPropertyIds());
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      String expected = expectedType(e.getTargetType());
      throw new SpecException(path(e), expected != null ? "must be " + expected : cleanMessage(e));
    } catch (JsonMappingException e) {
      throw new SpecException(path(e), cleanMessage(e));
    } catch (JsonProcessingException e) {
      throw new SpecException("", "malformed JSON: " + cleanMessage(e));
    }
  }

  /** "an integer", "a number"... for the Java type a JSON value failed to convert to, or null. */
  private static String expectedType(Class<?> t) {
    if (t == null) {
      return null;
    }
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
      return "an integer";
    }
    if (t == Double.class || t == double.class || t == Float.class || t == float.class) {
      return "a number";
    }
    if (t == Boolean.class || t == boolean.class) {
      return "true or false";
    }
    if (t == String.class) {
      return "a string";
    }
    if (t.isRecord() || java.util.Map.class.isAssignableFrom(t)) {
      return "a JSON object";
    }
    return null;
  }

  /** Parses, fills defaults and validates. */
  public static ResolvedSpec parseAndResolve(String json) {
    return resolve(parse(json));
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String cleanMessage(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return "invalid value";
    }
    int cut = m.indexOf("\n");
    m = cut > 0 ? m.substring(0, cut) : m;
    // keep messages about types, drop Java class names
    return m.replaceAll("`[a-zA-Z0-9_.$]+\\.([A-Za-z0-9_$]+)`", "$1")
        .replace("java.lang.", "")
        .replace("io.hindsight.spec.", "");
  }

  /** Fills defaults and validates every field. */
  public static ResolvedSpec resolve(JobSpec spec) {
    ModelSpec m = require(spec.model(), "model");
    String arch = require(m.arch(), "model.arch");
    oneOf(arch, ModelFactory.ARCHITECTURES, "model.arch");
    double width = orDefault(m.width(), 1.0);
    range(width, 0.0625, MAX_WIDTH, "model.width");
    double dropout = orDefault(m.dropout(), 0.0);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new SpecException("model.dropout", "must be in [0, 1), got " + dropout);
    }

    DatasetSpec d = require(spec.dataset(), "dataset");
    String name = require(d.name(), "dataset.name");
    oneOf(name, DATASETS, "dataset.name");
    Integer trainLimit = d.trainLimit();
    Integer testLimit = d.testLimit();
    if (trainLimit != null) {
      range(trainLimit, 1, 10_000_000, "dataset.trainLimit");
    }
    if (testLimit != null) {
      range(testLimit, 1, 10_000_000, "dataset.testLimit");
    }
    if ("synthetic".equals(name)) {
      trainLimit = trainLimit == null ? 2000 : trainLimit;
      testLimit = testLimit == null ? 500 : testLimit;
      if (trainLimit > 100_000 || testLimit > 100_000) {
        throw new SpecException(trainLimit > 100_000 ? "dataset.trainLimit" : "dataset.testLimit",
            "synthetic datasets are limited to 100000 examples");
      }
    }
    if (d.path() != null && (d.path().isBlank() || "synthetic".equals(name))) {
      throw new SpecException("dataset.path", d.path().isBlank() ? "must not be blank"
          : "synthetic data is generated; it takes no path");
    }
    AugmentSpec a = d.augment() == null ? new AugmentSpec(0, false) : d.augment();
    int crop = orDefault(a.cropPadding(), 0);
    range(crop, 0, 8, "dataset.augment.cropPadding");
    boolean flip = orDefault(a.flip(), false);

    TrainingSpec t = spec.training() == null ? emptyTraining() : spec.training();
    int epochs = orDefault(t.epochs(), 5);
    range(epochs, 1, MAX_EPOCHS, "training.epochs");
    int batch = orDefault(t.batchSize(), 128);
    range(batch, 1, MAX_BATCH, "training.batchSize");
    double lr = orDefault(t.learningRate(), 0.05);
    if (!(lr > 0 && lr <= 10)) {
      throw new SpecException("training.learningRate", "must be in (0, 10], got " + lr);
    }
    double momentum = orDefault(t.momentum(), 0.9);
    if (!(momentum >= 0 && momentum < 1)) {
      throw new SpecException("training.momentum", "must be in [0, 1), got " + momentum);
    }
    boolean nesterov = orDefault(t.nesterov(), false);
    if (nesterov && momentum == 0) {
      throw new SpecException("training.nesterov", "requires training.momentum > 0");
    }
    double wd = orDefault(t.weightDecay(), 5e-4);
    if (!(wd >= 0 && wd < 1)) {
      throw new SpecException("training.weightDecay", "must be in [0, 1), got " + wd);
    }
    String schedule = orDefault(t.schedule(), "cosine");
    oneOf(schedule, SCHEDULES, "training.schedule");
    double warmup = orDefault(t.warmupEpochs(), 0.0);
    if (!(warmup >= 0 && warmup <= epochs)) {
      throw new SpecException("training.warmupEpochs", "must be in [0, epochs=" + epochs + "], got " + warmup);
    }
    int stepEpochs = orDefault(t.stepEpochs(), Math.max(1, epochs / 3));
    range(stepEpochs, 1, MAX_EPOCHS, "training.stepEpochs");
    double gamma = orDefault(t.gamma(), 0.1);
    if (!(gamma > 0 && gamma <= 1)) {
      throw new SpecException("training.gamma", "must be in (0, 1], got " + gamma);
    }
    if (!"step".equals(schedule) && (t.stepEpochs() != null || t.gamma() != null)) {
      throw new SpecException(t.stepEpochs() != null ? "training.stepEpochs" : "training.gamma",
          "only applies to schedule 'step' (schedule is '" + schedule + "')");
    }
    long seed = orDefault(t.seed(), 42L);
    int threads = orDefault(t.threads(), 0);
    range(threads, 0, 1024, "training.threads");
    int patience = orDefault(t.nonFinitePatience(), 3);
    range(patience, 0, 1000, "training.nonFinitePatience");

    String backend = orDefault(spec.backend(), "auto");
    oneOf(backend, BACKENDS, "backend");
    String engine = orDefault(spec.engine(), "hindsight");
    oneOf(engine, ENGINES, "engine");
    if ("djl".equals(engine) && "cuda".equals(backend)) {
      throw new SpecException("backend", "the djl baseline engine runs on the CPU only");
    }
    int every = spec.checkpoint() == null ? 0 : orDefault(spec.checkpoint().everySteps(), 0);
    range(every, 0, 1_000_000, "checkpoint.everySteps");
    int rangeEvery = spec.output() == null ? 10 : orDefault(spec.output().rangeEvery(), 10);
    range(rangeEvery, 1, 1_000_000, "output.rangeEvery");
    QuantizationConfig quant = null;
    if (spec.quantization() != null && !spec.quantization().isNull()) {
      if ("djl".equals(engine)) {
        throw new SpecException("quantization", "the djl baseline engine trains in FP32 only; remove the block");
      }
      try {
        quant = QuantConfigReader.read(spec.quantization());
        if (!quant.layerOverrides().isEmpty()) {
          quant.validate(quantizableLayers(arch, width));
        }
      } catch (QuantConfigException e) {
        throw new SpecException(e.path(), e.problem());
      }
    }

    return new ResolvedSpec(
        new ModelSpec(arch, width, dropout),
        new DatasetSpec(name, d.path(), trainLimit, testLimit, new AugmentSpec(crop, flip)),
        new TrainingSpec(epochs, batch, lr, momentum, nesterov, wd, schedule, warmup,
            "step".equals(schedule) ? stepEpochs : null, "step".equals(schedule) ? gamma : null, seed,
            threads == 0 ? null : threads, patience),
        backend, engine, new CheckpointSpec(every), quant, new OutputSpec(rangeEvery));
  }

  private static final java.util.Map<String, java.util.List<String>> LAYER_NAMES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Names of the Linear/Conv2d layers of an architecture (for checking per-layer overrides). They
   * do not depend on the width, so the smallest model is built once per architecture.
   */
  static java.util.List<String> quantizableLayers(String arch, double width) {
    return LAYER_NAMES.computeIfAbsent(arch, a -> {
      try (CpuBackend single = new CpuBackend(1)) {
        Model m = new ModelFactory(single, null, new Rng(0)).build(a, 0.0625, 0, new int[] {1, 28, 28}, 10,
            new Rng(0));
        return java.util.List.copyOf(QuantizableLayers.names(m));
      }
    });
  }

  private static TrainingSpec emptyTraining() {
    return new TrainingSpec(null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  private static <T> T require(T value, String field) {
    if (value == null) {
      throw new SpecException(field, "is required");
    }
    return value;
  }

  private static <T> T orDefault(T value, T def) {
    return value == null ? def : value;
  }

  private static void oneOf(String value, Set<String> allowed, String field) {
    if (!allowed.contains(value)) {
      throw new SpecException(field, "'" + value + "' is not one of " + List.copyOf(new java.util.TreeSet<>(allowed)));
    }
  }

  private static void range(long v, long lo, long hi, String field) {
    if (v < lo || v > hi) {
      throw new SpecException(field, "must be in [" + lo + ", " + hi + "], got " + v);
    }
  }

  private static void range(double v, double lo, double hi, String field) {
    if (!(v >= lo && v <= hi)) {
      throw new SpecException(field, "must be in [" + lo + ", " + hi + "], got " + v);
    }
  }

  /** Serializes a spec as stable JSON (for provenance, the service, and checkpoint identity). */
  public static String toJson(Object spec) {
    try {
      return STRICT.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize spec", e);
    }
  }
}

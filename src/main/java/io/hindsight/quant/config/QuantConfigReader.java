package io.hindsight.quant.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads a {@code quantization} block strictly: unknown fields, trailing tokens and type
 * coercions ({@code "8"} or {@code 8.5} for an integer) are errors, reported as
 * {@link QuantConfigException} with the JSON path of the field. The result is validated
 * (without layer names; call {@link QuantizationConfig#validate(java.util.Collection)} once the
 * model's layers are known).
 */
public final class QuantConfigReader {
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .build();

  private QuantConfigReader() {}

  /** Parses and validates a {@code quantization} block given as JSON text. */
  public static QuantizationConfig read(String json) {
    try {
      return validated(STRICT.readValue(json, QuantizationConfig.class));
    } catch (JsonMappingException e) {
      throw translate(e);
    } catch (JsonProcessingException e) {
      throw new QuantConfigException(JsonPaths.ROOT, "is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Parses and validates a {@code quantization} block already parsed into a tree. */
  public static QuantizationConfig read(JsonNode node) {
    try {
      return validated(STRICT.treeToValue(node, QuantizationConfig.class));
    } catch (JsonMappingException e) {
      throw translate(e);
    } catch (JsonProcessingException e) {
      throw new QuantConfigException(JsonPaths.ROOT, "cannot be read: " + e.getOriginalMessage(), e);
    }
  }

  private static QuantizationConfig validated(QuantizationConfig c) {
    if (c == null) {
      throw new QuantConfigException(JsonPaths.ROOT, "must be an object, got null");
    }
    c.validate();
    return c;
  }

  /** A Jackson error as a {@link QuantConfigException} at the path Jackson was reading. */
  static QuantConfigException translate(JsonMappingException e) {
    String path = JsonPaths.ROOT;
    for (JsonMappingException.Reference r : e.getPath()) {
      path = r.getFieldName() != null ? JsonPaths.child(path, r.getFieldName()) : JsonPaths.index(path, r.getIndex());
    }
    if (rootCause(e) instanceof StrictJson.UnknownFieldException u) {
      return new QuantConfigException(JsonPaths.child(path, u.field()), u.getMessage(), e);
    }
    if (e instanceof UnrecognizedPropertyException u) {
      return new QuantConfigException(path, "unknown field '" + u.getPropertyName() + "'", e);
    }
    String problem = e.getOriginalMessage();
    int hint = problem.indexOf(" (but ");
    return new QuantConfigException(path, hint > 0 ? problem.substring(0, hint) : problem, e);
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}

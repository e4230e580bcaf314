package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Reads a request body into a record through {@link ApiJson#MAPPER}. Refuses a wrong content type
 * (415), a body over the limit (413), and an empty body, malformed JSON, anything but an object, an
 * unknown field or a value of the wrong type (400) — each with a detail that names the field and
 * what it must be, so a client can fix its request from the message alone.
 */
public final class JsonBody {
  private final long maxBytes;

  public JsonBody(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  public <T> Route as(Class<T> type, Function<T, Route> inner) {
    return OversizedBody.refusedAfterReading(maxBytes, length -> complete(ApiError.response(StatusCodes.CONTENT_TOO_LARGE,
        "request body too large", "the body is " + length + " bytes, the limit is " + maxBytes
            + " bytes (turbo-agents.http.max-body-size)")), () -> extractRequestEntity(requestEntity -> {
      var length = requestEntity.getContentLengthOption();
      if (length.isPresent() && length.getAsLong() == 0) {
        return complete(empty());
      }
      if (!requestEntity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        return complete(ApiError.response(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported content type",
            "send the body as application/json, not " + requestEntity.getContentType().mediaType()));
      }
      return withSizeLimit(maxBytes, () -> entity(Unmarshaller.entityToByteString(), bytes -> {
        if (bytes.isEmpty()) {
          return complete(empty());
        }
        T body;
        try {
          body = ApiJson.MAPPER.readValue(bytes.toArray(), type);
        } catch (IOException e) {
          return complete(refusal(e, bytes.toArray()).toResponse());
        }
        return inner.apply(body);
      }));
    }));
  }

  private static org.apache.pekko.http.javadsl.model.HttpResponse empty() {
    return ApiError.response(StatusCodes.BAD_REQUEST, "invalid request", "the request body is empty; send a JSON object");
  }

  /**
   * What was wrong with a body Jackson could not read, in the client's terms. The body is read
   * again as a tree (only on this refusal path): a body that is not JSON at all is said to be so
   * even where binding stopped earlier, and a value of the wrong type is named as it was sent
   * (the binder's parser is closed by now and no longer knows).
   */
  static ApiError refusal(IOException e, byte[] body) {
    JsonNode tree;
    try {
      tree = ApiJson.MAPPER.readTree(body);
    } catch (IOException notJson) {
      return malformed(notJson);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApiError a) {
        return a; // a record's own check refused the value; its message already names the field
      }
    }
    return switch (e) {
      case UnrecognizedPropertyException u -> ApiError.invalid("unknown field '" + u.getPropertyName()
          + "'; this endpoint accepts " + new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList()));
      case MismatchedInputException m when m.getPath().isEmpty() -> ApiError.invalid(
          "the body must be a JSON object, was " + sent(tree));
      case MismatchedInputException m -> ApiError.invalid("field '" + field(m) + "' must be " + expected(m.getTargetType())
          + ", was " + sent(at(tree, m)));
      case JsonMappingException m -> ApiError.invalid("field '" + field(m) + "': " + m.getOriginalMessage());
      default -> malformed(e);
    };
  }

  private static ApiError malformed(IOException e) {
    return e instanceof JsonProcessingException p
        ? new ApiError(StatusCodes.BAD_REQUEST, "malformed JSON", "the body is not valid JSON"
            + (p.getLocation() == null ? "" : " at line " + p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr())
            + ": " + p.getOriginalMessage())
        : new ApiError(StatusCodes.BAD_REQUEST, "malformed JSON", e.getMessage());
  }

  /** The value the client sent where binding failed. */
  private static JsonNode at(JsonNode tree, JsonMappingException e) {
    JsonNode node = tree;
    for (JsonMappingException.Reference r : e.getPath()) {
      node = r.getIndex() >= 0 ? node.path(r.getIndex()) : node.path(r.getFieldName());
    }
    return node;
  }

  /** "labels[0]", "options.temperature". */
  private static String field(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getIndex() >= 0) {
        out.append('[').append(r.getIndex()).append(']');
      } else {
        out.append(out.isEmpty() ? "" : ".").append(r.getFieldName());
      }
    }
    return out.toString();
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == String.class || type == TextChange.class) {
      return "a string";
    }
    if (type == Long.class || type == long.class || type == Integer.class || type == int.class || type == OptionalLong.class
        || type == OptionalInt.class) {
      return "a whole number";
    }
    if (type == Double.class || type == double.class || type == OptionalDouble.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return type == Optional.class ? "of another type" : "a " + type.getSimpleName();
  }

  private static String sent(JsonNode value) {
    return switch (value.getNodeType()) {
      case OBJECT, POJO -> "an object";
      case ARRAY -> "an array";
      case STRING, BINARY -> "a string";
      case NUMBER -> value.isIntegralNumber() ? "a whole number" : "a number with a fraction";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case MISSING -> "missing";
    };
  }
}

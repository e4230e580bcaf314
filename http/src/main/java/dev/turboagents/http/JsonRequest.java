package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Reads a request body as a JSON object, refusing a wrong content type (415), a body over the
 * limit (413), an empty or malformed body or anything but an object (400), each with a detail
 * that says what was wrong.
 */
public final class JsonRequest {
  private final long maxBytes;

  public JsonRequest(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  public Route object(Function<JsonFields, Route> inner) {
    return extractRequestEntity(requestEntity -> {
      if (requestEntity.getContentLengthOption().isPresent() && requestEntity.getContentLengthOption().getAsLong() > maxBytes) {
        return complete(tooLarge(requestEntity.getContentLengthOption().getAsLong() + " bytes"));
      }
      if (requestEntity.getContentLengthOption().isPresent() && requestEntity.getContentLengthOption().getAsLong() == 0) {
        return complete(ApiErrors.response(StatusCodes.BAD_REQUEST, "invalid request", "the request body is empty; send a JSON object"));
      }
      if (!requestEntity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        return complete(ApiErrors.response(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported content type",
            "send the body as application/json, not " + requestEntity.getContentType().mediaType()));
      }
      return withSizeLimit(maxBytes, () -> entity(Unmarshaller.entityToByteString(), bytes -> {
        if (bytes.isEmpty()) {
          return complete(ApiErrors.response(StatusCodes.BAD_REQUEST, "invalid request", "the request body is empty; send a JSON object"));
        }
        JsonNode node;
        try {
          node = ApiJson.MAPPER.readTree(bytes.toArray());
        } catch (JsonProcessingException e) {
          return complete(ApiErrors.response(StatusCodes.BAD_REQUEST, "malformed JSON", describe(e)));
        } catch (IOException e) {
          return complete(ApiErrors.response(StatusCodes.BAD_REQUEST, "malformed JSON", e.getMessage()));
        }
        if (!(node instanceof ObjectNode object)) {
          return complete(ApiErrors.response(StatusCodes.BAD_REQUEST, "invalid request",
              "the body must be a JSON object, was " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return inner.apply(new JsonFields(object));
      }));
    });
  }

  private org.apache.pekko.http.javadsl.model.HttpResponse tooLarge(String size) {
    return ApiErrors.response(StatusCodes.CONTENT_TOO_LARGE, "request body too large",
        "the body is " + size + ", the limit is " + maxBytes + " bytes (turbo-agents.http.max-body-size)");
  }

  private static String describe(JsonProcessingException e) {
    var location = e.getLocation();
    String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    return "the body is not valid JSON" + where + ": " + e.getOriginalMessage();
  }
}

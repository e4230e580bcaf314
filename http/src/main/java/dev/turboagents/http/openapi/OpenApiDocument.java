package dev.turboagents.http.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.http.ApiJson;
import java.util.List;
import java.util.Map;

/**
 * The daemon's OpenAPI document: the shared part ({@code openapi/daemon.json}: info, health, this
 * document, the error schema) with every subsystem's part merged in. A path or schema declared by
 * two parts is refused at start, so the parts cannot silently override each other.
 */
public final class OpenApiDocument {

  private OpenApiDocument() {}

  public static final String SHARED = "daemon";

  public static ObjectNode merge(List<OpenApiPart> parts) {
    ObjectNode doc = OpenApiPart.load(SHARED).json();
    for (OpenApiPart part : parts) {
      ObjectNode json = part.json();
      mergeInto(doc.with("paths"), json.path("paths"), part, "path");
      mergeInto(doc.with("components").with("schemas"), json.path("components").path("schemas"), part, "schema");
      mergeInto(doc.with("components").with("responses"), json.path("components").path("responses"), part, "response");
    }
    return doc;
  }

  private static void mergeInto(ObjectNode target, JsonNode source, OpenApiPart part, String what) {
    for (Map.Entry<String, JsonNode> e : source.properties()) {
      if (target.has(e.getKey())) {
        throw new IllegalStateException(part.resource() + " declares the " + what + " " + e.getKey() + " a second time");
      }
      target.set(e.getKey(), e.getValue());
    }
  }

  public static byte[] bytes(List<OpenApiPart> parts) {
    try {
      return ApiJson.MAPPER.writeValueAsBytes(merge(parts));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the OpenAPI document", e);
    }
  }
}

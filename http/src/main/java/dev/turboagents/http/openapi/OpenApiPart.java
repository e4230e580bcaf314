package dev.turboagents.http.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.http.ApiJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One subsystem's part of the OpenAPI document (a resource under {@code /openapi/}): the paths it
 * serves and the schemas they use. The paths are also how the HTTP server knows which requests
 * belong to a subsystem that is still starting.
 */
public final class OpenApiPart {
  private final String resource;
  private final ObjectNode json;
  private final List<Pattern> paths = new ArrayList<>();
  private final List<String> templates = new ArrayList<>();

  private OpenApiPart(String resource, ObjectNode json) {
    this.resource = resource;
    this.json = json;
    json.path("paths").properties().forEach(e -> {
      paths.add(pattern(e.getKey()));
      templates.add(e.getKey());
    });
  }

  /** Reads {@code /openapi/<name>.json} from the classpath. */
  public static OpenApiPart load(String name) {
    String resource = "/openapi/" + name + ".json";
    try (InputStream in = OpenApiPart.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI part " + resource + " is missing from the classpath");
      }
      JsonNode node = ApiJson.MAPPER.readTree(in);
      if (!(node instanceof ObjectNode object) || !object.path("paths").isObject()) {
        throw new IllegalStateException("the OpenAPI part " + resource + " must be an object with \"paths\"");
      }
      return new OpenApiPart(resource, object);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OpenAPI part " + resource, e);
    }
  }

  public String resource() {
    return resource;
  }

  /** The part as written: {@code paths} and, if it has any, {@code components}. */
  public ObjectNode json() {
    return json.deepCopy();
  }

  /** Whether {@code path} (e.g. "/api/v1/graph/search") is one of the paths this part documents. */
  public boolean documents(String path) {
    for (Pattern p : paths) {
      if (p.matcher(path).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The documented path {@code path} falls under ("/api/v1/issues/{id}" for "/api/v1/issues/abc"), if any. */
  public java.util.Optional<String> template(String path) {
    for (int i = 0; i < paths.size(); i++) {
      if (paths.get(i).matcher(path).matches()) {
        return java.util.Optional.of(templates.get(i));
      }
    }
    return java.util.Optional.empty();
  }

  /** "/api/v1/issues/{id}" matches "/api/v1/issues/abc" and "/api/v1/issues/abc/". */
  private static Pattern pattern(String template) {
    StringBuilder regex = new StringBuilder();
    for (String piece : template.split("(?=\\{)|(?<=})")) {
      regex.append(piece.startsWith("{") ? "[^/]+" : Pattern.quote(piece));
    }
    return Pattern.compile(regex + "/?");
  }
}

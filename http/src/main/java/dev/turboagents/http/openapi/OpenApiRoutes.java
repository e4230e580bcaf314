package dev.turboagents.http.openapi;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Serves the OpenAPI document that describes every endpoint, at {@code /api/v1/openapi.json}.
 * The document is a file in the repository ({@code http/src/main/resources/openapi/turbo-agents.json}).
 */
public final class OpenApiRoutes {

  public static final String RESOURCE = "/openapi/turbo-agents.json";

  private final byte[] document;

  public OpenApiRoutes() {
    this.document = load();
  }

  public static byte[] load() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Route route() {
    return concat(
        path(segment("api").slash("v1").slash("openapi.json"), () -> get(() -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, document)))),
        path("openapi.json", () -> get(() -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, document)))));
  }

  private static org.apache.pekko.http.javadsl.server.PathMatcher0 segment(String s) {
    return org.apache.pekko.http.javadsl.server.PathMatchers.segment(s);
  }
}

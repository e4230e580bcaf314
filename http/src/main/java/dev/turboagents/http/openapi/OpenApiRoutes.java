package dev.turboagents.http.openapi;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Serves the OpenAPI document that describes every endpoint, at {@code /api/v1/openapi.json}
 * (and {@code /openapi.json}): the parts in {@code http/src/main/resources/openapi/}, merged.
 */
public final class OpenApiRoutes {
  private final byte[] document;

  public OpenApiRoutes(List<OpenApiPart> parts) {
    this.document = OpenApiDocument.bytes(parts);
  }

  public Route route() {
    return concat(
        path(segment("api").slash("v1").slash("openapi.json"), () -> get(() -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, document)))),
        path("openapi.json", () -> get(() -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, document)))));
  }
}

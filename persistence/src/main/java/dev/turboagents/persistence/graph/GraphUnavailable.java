package dev.turboagents.persistence.graph;

/** Neo4j cannot be reached (down, restarting, wrong URI); the request may succeed later. */
public final class GraphUnavailable extends RuntimeException {

  public GraphUnavailable(String message, Throwable cause) {
    super(message, cause);
  }
}

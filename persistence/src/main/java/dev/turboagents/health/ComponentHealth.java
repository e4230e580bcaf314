package dev.turboagents.health;

import java.util.Map;

/**
 * One component's answer to a health check.
 *
 * @param component short stable name, e.g. "journal", "tracker", "inference", "graph"
 * @param detail one human sentence: what is wrong, or what it is doing
 * @param figures numbers worth watching (counts, lag, bytes), rendered as JSON
 */
public record ComponentHealth(String component, Status status, String detail, Map<String, Object> figures) {

  /** UP serves; STARTING will serve soon (its routes answer 503 with Retry-After); DEGRADED serves with a problem; DOWN does not serve. */
  public enum Status { UP, STARTING, DEGRADED, DOWN }

  public static ComponentHealth up(String component, String detail, Map<String, Object> figures) {
    return new ComponentHealth(component, Status.UP, detail, figures);
  }

  public static ComponentHealth starting(String component, String detail) {
    return new ComponentHealth(component, Status.STARTING, detail, Map.of());
  }

  public static ComponentHealth down(String component, String detail) {
    return new ComponentHealth(component, Status.DOWN, detail, Map.of());
  }
}

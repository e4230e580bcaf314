package dev.turboagents.actors.agents;

/**
 * Why a job request was refused, with the field or setting it names: {@code NOT_FOUND} (an unknown
 * issue or job), {@code INVALID} (a request field), {@code UNCONFIGURED} (a setting the agent needs,
 * e.g. the workspace: the message names the flag).
 */
public final class JobRefusal extends RuntimeException {
  public enum Kind { NOT_FOUND, INVALID, UNCONFIGURED }

  private final Kind kind;
  private final String field;

  public JobRefusal(Kind kind, String field, String message) {
    super(message);
    this.kind = kind;
    this.field = field;
  }

  public Kind kind() {
    return kind;
  }

  /** The request field, or the setting, the refusal is about. */
  public String field() {
    return field;
  }
}

package dev.turboagents.persistence.entity;

/**
 * Why the tracker refused a command. Travels inside {@code StatusReply.error}; the HTTP layer maps
 * the reason to a status code (400, 404, 409, 422) and uses the message as the error detail.
 */
public final class TrackerRejection extends RuntimeException {

  public enum Reason { INVALID, NOT_FOUND, CONFLICT, KEY_REUSED }

  private final Reason reason;
  private final String field;

  private TrackerRejection(Reason reason, String field, String message) {
    super(message, null, false, false);
    this.reason = reason;
    this.field = field;
  }

  /** Input that breaks a rule; {@code field} is the request field to blame ("" when none). */
  public static TrackerRejection invalid(String field, String message) {
    return new TrackerRejection(Reason.INVALID, field, message);
  }

  public static TrackerRejection notFound(String what, String id) {
    return new TrackerRejection(Reason.NOT_FOUND, "", "no " + what + " with id " + id);
  }

  public static TrackerRejection staleVersion(String what, long expected, long actual) {
    return new TrackerRejection(Reason.CONFLICT, "version",
        what + " is at version " + actual + ", the request expected version " + expected
            + ": reload it and apply your change again");
  }

  /** The idempotency key was stored with a different request to {@code what}: a repeat must send the same request. */
  public static TrackerRejection keyReused(String what, String key) {
    return new TrackerRejection(Reason.KEY_REUSED, "Idempotency-Key", "the idempotency key '" + key
        + "' was already used for a different request to " + what + "; send the same request again, or a new key for a new request");
  }

  public Reason reason() {
    return reason;
  }

  public String field() {
    return field;
  }
}

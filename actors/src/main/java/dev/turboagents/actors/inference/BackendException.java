package dev.turboagents.actors.inference;

/** A call to the model server that did not give an answer; {@link Kind} says whether to retry. */
public final class BackendException extends RuntimeException {

  /** Why a call failed. */
  public enum Kind {
    /** Nothing answers at the address (down, restarting): retry with backoff until the deadline. */
    UNREACHABLE,
    /** The model does not exist on the server. */
    UNKNOWN_MODEL,
    /** The server refused the request (400/500 with its own message): retrying will not help. */
    REJECTED,
    /** The connection broke after part of a streamed answer was delivered. */
    BROKEN_STREAM,
    /** The call took longer than the request timeout. */
    TIMEOUT
  }

  private final Kind kind;
  private final int status;

  public BackendException(Kind kind, int status, String message) {
    super(message);
    this.kind = kind;
    this.status = status;
  }

  /** {@code error} as a BackendException: itself, the one a CompletionException wraps, or UNREACHABLE. */
  public static BackendException from(Throwable error) {
    Throwable t = error;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof BackendException b ? b : new BackendException(Kind.UNREACHABLE, 0, String.valueOf(t));
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status the server answered, 0 when it did not answer. */
  public int status() {
    return status;
  }
}

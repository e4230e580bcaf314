package dev.turboagents.actors.tools.workspace;

/**
 * Git or the file system failed under a workspace operation (a corrupt repository, a full disk, a
 * branch moved by someone else). Not a refusal of something a model asked: the tool actor's
 * supervisor decides, and the job sees the message.
 */
public final class WorkspaceException extends RuntimeException {

  public WorkspaceException(String message, Throwable cause) {
    super(message, cause);
  }

  public WorkspaceException(String message) {
    super(message);
  }
}

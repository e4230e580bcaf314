package dev.turboagents.actors.tools.review;

/** A coverage report that cannot be read as its format: the message names the file and what is wrong. */
public final class CoverageReportException extends Exception {
  public CoverageReportException(String message) {
    super(message);
  }

  public CoverageReportException(String message, Throwable cause) {
    super(message, cause);
  }
}

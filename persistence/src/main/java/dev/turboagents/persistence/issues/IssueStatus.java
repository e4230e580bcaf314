package dev.turboagents.persistence.issues;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Where an issue stands, and where it may go next. */
public enum IssueStatus {
  OPEN, IN_PROGRESS, REVIEW, BLOCKED, DONE, CLOSED;

  /** The name on the wire: open, in_progress, review, blocked, done, closed. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Optional<IssueStatus> fromWire(String value) {
    return Arrays.stream(values()).filter(s -> s.wire().equals(value)).findFirst();
  }

  public static String wireNames() {
    return Arrays.stream(values()).map(IssueStatus::wire).collect(Collectors.joining(", "));
  }

  /** The statuses this one may move to. Finished work is reopened through open. */
  public Set<IssueStatus> next() {
    return switch (this) {
      case OPEN -> EnumSet.of(IN_PROGRESS, BLOCKED, DONE, CLOSED);
      case IN_PROGRESS -> EnumSet.of(OPEN, REVIEW, BLOCKED, DONE, CLOSED);
      case REVIEW -> EnumSet.of(IN_PROGRESS, BLOCKED, DONE, CLOSED);
      case BLOCKED -> EnumSet.of(OPEN, IN_PROGRESS, CLOSED);
      case DONE -> EnumSet.of(OPEN, CLOSED);
      case CLOSED -> EnumSet.of(OPEN);
    };
  }

  public boolean isFinished() {
    return this == DONE || this == CLOSED;
  }
}

package dev.turboagents.persistence.projects;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** A project is worked on while active; archived projects keep their history and take no new issues. */
public enum ProjectStatus {
  ACTIVE, ARCHIVED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Optional<ProjectStatus> fromWire(String value) {
    return Arrays.stream(values()).filter(s -> s.wire().equals(value)).findFirst();
  }
}

package dev.turboagents.persistence.issues;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How urgent an issue is. */
public enum Priority {
  LOW, MEDIUM, HIGH, CRITICAL;

  @JsonValue
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Optional<Priority> fromWire(String value) {
    return Arrays.stream(values()).filter(p -> p.wire().equals(value)).findFirst();
  }

  public static String wireNames() {
    return Arrays.stream(values()).map(Priority::wire).collect(Collectors.joining(", "));
  }
}

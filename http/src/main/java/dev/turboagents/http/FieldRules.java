package dev.turboagents.http;

import java.util.Optional;
import java.util.function.Function;

/** Checks on bound request fields that a type alone cannot say; each failure is a 400 naming the field. */
public final class FieldRules {

  private FieldRules() {}

  public static <T> T required(String field, Optional<T> value) {
    return value.orElseThrow(() -> ApiError.invalid("field '" + field + "' is required"));
  }

  /** A string that must be one of a fixed set, parsed by {@code parse}; {@code allowed} lists them for the error. */
  public static <T> Optional<T> choice(String field, Optional<String> value, Function<String, Optional<T>> parse, String allowed) {
    return value.map(v -> parse.apply(v).orElseThrow(() ->
        ApiError.invalid("field '" + field + "' must be one of " + allowed + ", was '" + v + "'")));
  }

  /** Text a person or a model could act on: not only spaces and control characters. */
  public static String meaningful(String field, String value) {
    if (value.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c))) {
      throw ApiError.invalid("field '" + field + "' must contain some text, not only spaces or control characters");
    }
    return value;
  }

  public static long between(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw ApiError.invalid("field '" + field + "' must be from " + min + " to " + max + ", was " + value);
    }
    return value;
  }

  public static double fraction(String field, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw ApiError.invalid("field '" + field + "' must be a number from 0 to 1, was " + value);
    }
    return value;
  }

  /** {@code value} as an ISO-8601 instant; {@code what} names the field or parameter in the 400. */
  public static java.time.Instant instant(String what, String value) {
    try {
      return java.time.OffsetDateTime.parse(value.strip()).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      throw ApiError.invalid(what + " must be an ISO-8601 instant with an offset such as 2026-12-01T09:00:00Z, was '" + value + "'");
    }
  }
}

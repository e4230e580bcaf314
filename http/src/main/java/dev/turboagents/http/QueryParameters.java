package dev.turboagents.http;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Typed query parameters; a bad value is a 400 that names the parameter and what it accepts. */
public final class QueryParameters {

  private QueryParameters() {}

  public static int wholeNumber(Map<String, String> params, String name, int fallback, int min, int max) {
    String value = params.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiError.invalid("query parameter '" + name + "' must be a whole number from " + min + " to " + max
          + ", was '" + value + "'");
    }
  }

  /** One of a fixed set, parsed by {@code parse}; {@code allowed} lists them for the error. */
  public static <T> Optional<T> choice(Map<String, String> params, String name, Function<String, Optional<T>> parse, String allowed) {
    String value = params.get(name);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(parse.apply(value.strip()).orElseThrow(() ->
        ApiError.invalid("query parameter '" + name + "' must be one of " + allowed + ", was '" + value + "'")));
  }

  /** An ISO-8601 instant ({@code 2026-12-01T09:00:00Z}); {@code required} makes its absence a 400 too. */
  public static Optional<java.time.Instant> instant(Map<String, String> params, String name, boolean required) {
    String value = params.get(name);
    if (value == null || value.isBlank()) {
      if (required) {
        throw ApiError.invalid("query parameter '" + name + "' is required: an ISO-8601 instant such as 2026-12-01T09:00:00Z");
      }
      return Optional.empty();
    }
    return Optional.of(FieldRules.instant("query parameter '" + name + "'", value));
  }
}

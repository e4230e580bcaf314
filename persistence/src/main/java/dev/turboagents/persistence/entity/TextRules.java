package dev.turboagents.persistence.entity;

import dev.turboagents.config.TrackerSettings;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/** The rules every title, text, label and id in the tracker follows; failures name the field. */
public record TextRules(TrackerSettings settings) {

  private static final Pattern LABEL = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ._:/+-]{0,63}");
  private static final Pattern NAME = Pattern.compile("[^\\p{Cntrl}]{1,200}");

  public String title(String field, String value) {
    String trimmed = value.strip();
    if (trimmed.isEmpty()) {
      throw TrackerRejection.invalid(field, field + " must not be empty");
    }
    if (trimmed.length() > settings.maxTitleLength()) {
      throw TrackerRejection.invalid(field, field + " is " + trimmed.length() + " characters, at most "
          + settings.maxTitleLength() + " are allowed");
    }
    return trimmed;
  }

  public String text(String field, String value, boolean mayBeEmpty) {
    if (!mayBeEmpty && value.isBlank()) {
      throw TrackerRejection.invalid(field, field + " must not be empty");
    }
    if (value.length() > settings.maxTextLength()) {
      throw TrackerRejection.invalid(field, field + " is " + value.length() + " characters, at most "
          + settings.maxTextLength() + " are allowed");
    }
    return value;
  }

  /** Labels are trimmed, lower-cased, de-duplicated and sorted. */
  public List<String> labels(String field, List<String> values) {
    TreeSet<String> out = new TreeSet<>();
    for (String raw : values) {
      String label = raw.strip().toLowerCase(java.util.Locale.ROOT);
      if (!LABEL.matcher(label).matches()) {
        throw TrackerRejection.invalid(field, field + " contains '" + raw
            + "': a label is 1-64 letters, digits, spaces or ._:/+- and starts with a letter or digit");
      }
      out.add(label);
    }
    if (out.size() > 50) {
      throw TrackerRejection.invalid(field, field + " has " + out.size() + " labels, at most 50 are allowed");
    }
    return List.copyOf(out);
  }

  public String name(String field, String value) {
    String trimmed = value.strip();
    if (!NAME.matcher(trimmed).matches()) {
      throw TrackerRejection.invalid(field, field + " must be 1-200 characters without control characters");
    }
    return trimmed;
  }

  public static String uuid(String field, String value) {
    try {
      return UUID.fromString(value.strip()).toString();
    } catch (IllegalArgumentException e) {
      throw TrackerRejection.invalid(field, field + " must be a UUID, was '" + value + "'");
    }
  }
}

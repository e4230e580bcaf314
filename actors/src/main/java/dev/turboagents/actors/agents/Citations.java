package dev.turboagents.actors.agents;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ids an answer cites, checked against what its tools really returned: an issue id (a UUID) or
 * a commit id (7 to 40 hex digits) that appears in no fact and no tool result was invented by the
 * model; it is dropped from the citations and counted.
 *
 * @param cited the ids the answer names that the facts contain, in the answer's order
 * @param invented the ids the answer names that nothing it was shown contains
 */
public record Citations(List<String> cited, List<String> invented) {
  /** A whole UUID, not part of a longer dashed token: the one pattern for an id in a person's or a model's words. */
  static final Pattern UUID = Pattern.compile(
      "(?i)(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])");
  /** A dashed hex token that is no UUID: a model's garbled copy of one ("10f487ce-170a-…-e2c0dcdccca3de"). */
  private static final Pattern DASHED = Pattern.compile("(?i)(?<![0-9a-f-])[0-9a-f]+(?:-[0-9a-f]+)+(?![0-9a-f-])");
  private static final Pattern COMMIT = Pattern.compile("(?i)(?<![0-9a-f-])[0-9a-f]{7,40}(?![0-9a-f-])");

  /** @param seen everything the model was shown: the facts, every tool result */
  public static Citations check(String answer, String seen) {
    String facts = seen.toLowerCase(Locale.ROOT);
    Set<String> named = new LinkedHashSet<>();
    Set<String> garbled = new LinkedHashSet<>();
    Matcher dashed = DASHED.matcher(answer);
    while (dashed.find()) {
      String token = dashed.group().toLowerCase(Locale.ROOT);
      if (UUID.matcher(token).matches()) {
        named.add(token);
      } else if (token.length() >= 20) {
        garbled.add(token); // long enough to be meant as an id, not a date or a version
      }
    }
    Matcher commits = COMMIT.matcher(DASHED.matcher(answer).replaceAll(" "));
    while (commits.find()) {
      String id = commits.group().toLowerCase(Locale.ROOT);
      if (id.chars().anyMatch(Character::isDigit) && id.chars().anyMatch(Character::isLetter)) {
        named.add(id);
      }
    }
    List<String> cited = named.stream().filter(id -> shown(id, facts)).toList();
    List<String> invented = java.util.stream.Stream.concat(named.stream().filter(id -> !shown(id, facts)),
        garbled.stream()).toList();
    return new Citations(cited, invented);
  }

  /** Whether the facts hold {@code id} as an id of its own (a commit may be cited by a prefix), not inside another. */
  private static boolean shown(String id, String facts) {
    String extension = id.contains("-") ? "" : "[0-9a-f]*";
    return Pattern.compile("(?<![0-9a-f-])" + Pattern.quote(id) + extension + "(?![0-9a-f-])").matcher(facts).find();
  }
}

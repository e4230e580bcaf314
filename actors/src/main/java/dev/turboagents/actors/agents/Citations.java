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
  private static final Pattern UUID = Pattern.compile(
      "(?i)\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b");
  private static final Pattern COMMIT = Pattern.compile("(?i)\\b[0-9a-f]{7,40}\\b");

  /** @param seen everything the model was shown: the facts, every tool result */
  public static Citations check(String answer, String seen) {
    String facts = seen.toLowerCase(Locale.ROOT);
    Set<String> named = new LinkedHashSet<>();
    Matcher uuids = UUID.matcher(answer);
    while (uuids.find()) {
      named.add(uuids.group().toLowerCase(Locale.ROOT));
    }
    Matcher commits = COMMIT.matcher(UUID.matcher(answer).replaceAll(" "));
    while (commits.find()) {
      String id = commits.group().toLowerCase(Locale.ROOT);
      if (id.chars().anyMatch(Character::isDigit) && id.chars().anyMatch(Character::isLetter)) {
        named.add(id);
      }
    }
    List<String> cited = named.stream().filter(facts::contains).toList();
    List<String> invented = named.stream().filter(id -> !facts.contains(id)).toList();
    return new Citations(cited, invented);
  }
}

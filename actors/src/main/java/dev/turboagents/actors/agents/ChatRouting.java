package dev.turboagents.actors.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a chat message goes, as pure functions: the answer schema the chat model classifies with (an
 * enum of routes), reading its answer, and the rules (keywords and issue ids) that decide when the
 * model cannot. An action needs its target: "implement" without an issue id is answered as a question.
 */
public final class ChatRouting {

  public enum Route {
    QUESTION, IMPLEMENT, TRIAGE, SUMMARIZE, REVIEW;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Route> fromWire(String value) {
      return Arrays.stream(values()).filter(r -> r.wire().equals(value.strip().toLowerCase(Locale.ROOT))).findFirst();
    }
  }

  /**
   * @param by "model" or "rules"
   * @param ids the issue (or job) ids the message names, in its order
   * @param why for the rules: why the model did not decide
   */
  public record Routing(Route route, String by, List<String> ids, Optional<String> branch, Optional<String> why) {}

  private static final Pattern BRANCH = Pattern.compile("(?i)\\bbranch\\s+([\\w./-]+)");

  private ChatRouting() {}

  /** The format of the classification: {@code {"route": <one of the routes>}}. */
  public static JsonSchema schema() {
    ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", "object");
    var route = node.putObject("properties").putObject("route").put("type", "string");
    var values = route.putArray("enum");
    Arrays.stream(Route.values()).forEach(r -> values.add(r.wire()));
    node.putArray("required").add("route");
    node.put("additionalProperties", false);
    return JsonSchema.of(node);
  }

  /**
   * The model's route, when its answer is one; then checked for the target the route needs. An
   * action for a message that asks a question (it ends with "?") without naming any action the
   * rules know is taken as a question: small models route "Is anything blocking release 3.0?" to
   * triage.
   */
  public static Optional<Routing> fromModel(String message, String answer) {
    Optional<Route> route;
    try {
      JsonNode tree = new JsonObject(answer.strip()).tree();
      route = Route.fromWire(tree.path("route").asText(""));
    } catch (RuntimeException e) {
      route = Optional.empty();
    }
    if (route.isPresent() && route.get() != Route.QUESTION && message.strip().endsWith("?")
        && byRules(message, "").route() == Route.QUESTION) {
      // acting on a misread question starts work nobody asked for; answering it costs nothing
      return Optional.of(new Routing(Route.QUESTION, "model", ids(message), Optional.empty(), Optional.of("the model chose "
          + route.get().wire() + ", but the message asks a question and names no action: answered as a question")));
    }
    return route.map(r -> targeted(r, "model", message, Optional.empty()));
  }

  /** The rules: keywords of an action, with the ids the message names; anything else is a question. */
  public static Routing byRules(String message, String why) {
    String m = message.toLowerCase(Locale.ROOT);
    Route route;
    if (m.matches("(?s).*\\breview\\b.*")) {
      route = Route.REVIEW;
    } else if (m.matches("(?s).*\\b(triage|prioriti[sz]e)\\b.*")) {
      route = Route.TRIAGE;
    } else if (m.matches("(?s).*\\b(summari[sz]e|summary|catch me up)\\b.*")) {
      route = Route.SUMMARIZE;
    } else if (m.matches("(?s).*\\b(implement|fix|code up)\\b.*")) {
      route = Route.IMPLEMENT;
    } else {
      route = Route.QUESTION;
    }
    return targeted(route, "rules", message, Optional.of(why));
  }

  private static Routing targeted(Route route, String by, String message, Optional<String> why) {
    List<String> ids = ids(message);
    Optional<String> branch = Optional.empty();
    Matcher b = BRANCH.matcher(message);
    if (b.find()) {
      branch = Optional.of(b.group(1));
    }
    boolean hasTarget = switch (route) {
      case IMPLEMENT, SUMMARIZE -> !ids.isEmpty();
      case REVIEW -> !ids.isEmpty() || branch.isPresent();
      case TRIAGE, QUESTION -> true;
    };
    if (!hasTarget) {
      return new Routing(Route.QUESTION, by, ids, branch, Optional.of(route.wire() + " needs "
          + (route == Route.REVIEW ? "a job id or a branch" : "an issue id") + " and the message names none: "
          + "answered as a question"));
    }
    return new Routing(route, by, ids, branch, why);
  }

  static List<String> ids(String message) {
    List<String> ids = new ArrayList<>();
    Matcher m = Citations.UUID.matcher(message);
    while (m.find()) {
      String id = m.group().toLowerCase(Locale.ROOT);
      if (!ids.contains(id)) {
        ids.add(id);
      }
    }
    return List.copyOf(ids);
  }
}

package dev.turboagents.actors.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.tools.workspace.ReviewDiff;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The review's answer: a summary and findings {@code {file, line, severity, focus, message}}, their
 * severities and focuses from fixed sets (enforced by the answer schema), and every finding checked
 * against the lines the diff really touches: one that points elsewhere is dropped and counted.
 */
public final class ReviewFindings {

  /** How much a finding matters. */
  public enum Severity {
    CRITICAL, MAJOR, MINOR, INFO;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a review looks at; a request's {@code focus} names some, none = all. */
  public enum Focus {
    CORRECTNESS, SECURITY, PERFORMANCE, TESTS, STYLE, MAINTAINABILITY, DOCUMENTATION;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Focus> parse(String name) {
      return Arrays.stream(values()).filter(f -> f.wire().equals(name.strip().toLowerCase(Locale.ROOT))).findFirst();
    }

    public static List<String> names() {
      return Arrays.stream(values()).map(Focus::wire).toList();
    }
  }

  public record Finding(String file, int line, String severity, String focus, String message) {}

  /** What survived the check, and what was dropped for pointing at a line the diff does not touch. */
  public record Checked(String summary, List<Finding> kept, List<Finding> dropped) {}

  private ReviewFindings() {}

  /** The final answer's arguments: {@code {"summary", "findings": [...]}} with the focus limited to {@code focus}. */
  public static JsonSchema schema(List<Focus> focus) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode root = json.objectNode().put("type", "object");
    ObjectNode properties = root.putObject("properties");
    properties.putObject("summary").put("type", "string").put("description", "the review's verdict in one or two sentences");
    ObjectNode item = properties.putObject("findings").put("type", "array").putObject("items").put("type", "object");
    ObjectNode fields = item.putObject("properties");
    fields.putObject("file").put("type", "string").put("description", "a file the diff changes, as get_diff names it");
    fields.putObject("line").put("type", "integer").put("minimum", 1).put("description", "a line the diff touches in that file");
    ArrayNode severities = fields.putObject("severity").put("type", "string").putArray("enum");
    Arrays.stream(Severity.values()).forEach(s -> severities.add(s.wire()));
    ArrayNode focuses = fields.putObject("focus").put("type", "string").putArray("enum");
    focus.forEach(f -> focuses.add(f.wire()));
    fields.putObject("message").put("type", "string").put("minLength", 1).put("description", "what is wrong and what to do");
    item.putArray("required").add("file").add("line").add("severity").add("focus").add("message");
    item.put("additionalProperties", false);
    root.putArray("required").add("summary").add("findings");
    root.put("additionalProperties", false);
    return JsonSchema.of(root);
  }

  /** Reads the answer (it fits {@link #schema}: the loop checked it) and keeps the findings on touched lines. */
  public static Checked check(JsonNode answer, ReviewDiff diff) {
    List<Finding> kept = new ArrayList<>();
    List<Finding> dropped = new ArrayList<>();
    for (JsonNode f : answer.path("findings")) {
      Finding finding = new Finding(path(f.path("file").asText(), diff), f.path("line").asInt(), f.path("severity").asText(),
          f.path("focus").asText(), f.path("message").asText().strip());
      (diff.touches(finding.file(), finding.line()) ? kept : dropped).add(finding);
    }
    return new Checked(answer.path("summary").asText().strip(), kept, dropped);
  }

  /** The path as git names it: without "./", or without the "b/" of a unified diff's header when that names a changed file. */
  private static String path(String file, ReviewDiff diff) {
    String p = file.strip().replace('\\', '/');
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (diff.file(p).isEmpty() && (p.startsWith("b/") || p.startsWith("a/")) && diff.file(p.substring(2)).isPresent()) {
      p = p.substring(2);
    }
    return p;
  }
}

package dev.turboagents.actors.agents;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The agents' prompt templates: resources under {@code prompts/}, each overridable by a file of the
 * same name in the prompt directory ({@code turbo-agents.agents.prompt-directory}). A template's
 * {@code {name}} placeholders are filled with values; an unknown placeholder stays as it is.
 */
public final class PromptTemplates {
  private final Optional<Path> overrides;

  public PromptTemplates(Optional<Path> overrides) {
    this.overrides = overrides;
  }

  public String render(String name, Map<String, String> values) {
    String text = template(name);
    for (Map.Entry<String, String> e : values.entrySet()) {
      text = text.replace("{" + e.getKey() + "}", e.getValue());
    }
    return text;
  }

  /** The template's text: the override file if there is one, else the built-in resource. */
  public String template(String name) {
    try {
      if (overrides.isPresent() && Files.isRegularFile(overrides.get().resolve(name + ".txt"))) {
        return Files.readString(overrides.get().resolve(name + ".txt"), StandardCharsets.UTF_8);
      }
      try (InputStream in = PromptTemplates.class.getResourceAsStream("/prompts/" + name + ".txt")) {
        if (in == null) {
          throw new IllegalArgumentException("no prompt template '" + name + "'");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read prompt template " + name, e);
    }
  }

  /** Untrusted text made safe to put between data fences: a fence inside it cannot close them. */
  public static String data(String untrusted) {
    return untrusted.replace("data>>>", "data> >>").replace("<<<data", "<< <data");
  }
}

package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import dev.turboagents.config.InvalidSettingException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options the door pins per model ({@code models."name"}, else {@code default-options}): they
 * replace a client's options that make the server reload, so the context length, batch size and
 * the like stay what the model was loaded with.
 */
public final class PinnedOptions {

  /** Ollama's context length when nothing is pinned. */
  public static final int SERVER_DEFAULT_NUM_CTX = 4096;

  private static final String KEY = "turbo-agents.inference.";

  private final ModelOptions defaults;
  private final Map<String, ModelOptions> perModel;

  private PinnedOptions(ModelOptions defaults, Map<String, ModelOptions> perModel) {
    this.defaults = defaults;
    this.perModel = perModel;
  }

  /** The pinned options of {@code settings}; a value of the wrong kind names its key. */
  public static PinnedOptions from(InferenceSettings settings) {
    Map<String, ModelOptions> perModel = new LinkedHashMap<>();
    settings.pinnedOptions().forEach((model, options) ->
        perModel.put(model, options(options, KEY + "models.\"" + model + "\"")));
    return new PinnedOptions(options(settings.defaultOptions(), KEY + "default-options"), Map.copyOf(perModel));
  }

  public ModelOptions forModel(String model) {
    return perModel.getOrDefault(model, defaults);
  }

  /** The context length {@code model} is loaded with. */
  public int numCtx(String model) {
    return forModel(model).integer(ModelOption.NUM_CTX).map(Long::intValue).orElse(SERVER_DEFAULT_NUM_CTX);
  }

  /** {@code client}'s options as the door sends them for {@code model}. */
  public ModelOptions pin(String model, ModelOptions client) {
    return client.pinnedTo(forModel(model));
  }

  private static ModelOptions options(Map<String, Object> configured, String key) {
    Map<String, Object> values = new LinkedHashMap<>();
    configured.forEach((name, value) -> values.put(name, hocon(name, value)));
    try {
      return ModelOptions.of(values);
    } catch (ModelOptions.InvalidOption e) {
      throw new InvalidSettingException(key + "." + e.option(), e.getMessage());
    }
  }

  /** HOCON reads "8192" as a number where a number is wanted: so does the door, for the options it knows. */
  private static Object hocon(String name, Object value) {
    if (!(value instanceof String text)) {
      return value;
    }
    return ModelOption.named(name).map(option -> switch (option.kind()) {
      case INTEGER, NUMBER -> {
        try {
          yield (Object) Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
          yield text;
        }
      }
      case BOOLEAN -> "true".equalsIgnoreCase(text.trim()) || "false".equalsIgnoreCase(text.trim())
          ? (Object) Boolean.parseBoolean(text.trim()) : text;
      case STRINGS -> text;
    }).orElse(value);
  }
}

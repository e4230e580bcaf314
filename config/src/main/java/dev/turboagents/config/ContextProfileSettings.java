package dev.turboagents.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few context sizes ({@code num_ctx}) the door loads a model with, whatever a client sends, and
 * how it sizes a prompt to pick one. Keys {@code turbo-agents.inference.context-profiles},
 * {@code model-context-profiles}, {@code default-output-tokens}, {@code initial-tokens-per-char}.
 *
 * @param profiles the sizes for a model without its own list, ascending
 * @param perModel per model name, its own sizes, ascending
 * @param defaultOutputTokens the answer's length assumed when a request sets none (num_predict, max_tokens)
 * @param initialTokensPerChar tokens per character of a prompt assumed until the model's answers calibrate it
 */
public record ContextProfileSettings(List<Integer> profiles, Map<String, List<Integer>> perModel,
    int defaultOutputTokens, double initialTokensPerChar) {

  static ContextProfileSettings read(Config c, String prefix) {
    List<Integer> profiles = sizes(c, prefix + "context-profiles");
    Map<String, List<Integer>> perModel = new LinkedHashMap<>();
    ConfigObject models;
    try {
      models = c.getObject(prefix + "model-context-profiles");
    } catch (ConfigException.Missing | ConfigException.WrongType e) {
      throw new InvalidSettingException(prefix + "model-context-profiles",
          "must be an object of model name -> list of context sizes, e.g. { \"llama3.3:70b\" = [4096, 16384] }");
    }
    for (Map.Entry<String, ConfigValue> e : models.entrySet()) {
      perModel.put(e.getKey(), sizes(e.getValue(), prefix + "model-context-profiles.\"" + e.getKey() + "\""));
    }
    int output;
    double perChar;
    try {
      output = c.getInt(prefix + "default-output-tokens");
      perChar = c.getDouble(prefix + "initial-tokens-per-char");
    } catch (ConfigException e) {
      throw new InvalidSettingException(prefix + "default-output-tokens / initial-tokens-per-char", "must be numbers");
    }
    if (output < 1) {
      throw new InvalidSettingException(prefix + "default-output-tokens", "must be at least 1, was " + output);
    }
    if (!(perChar > 0 && perChar <= 4)) {
      throw new InvalidSettingException(prefix + "initial-tokens-per-char", "must be in (0, 4], was " + perChar);
    }
    return new ContextProfileSettings(profiles, Map.copyOf(perModel), output, perChar);
  }

  private static List<Integer> sizes(Config c, String key) {
    try {
      return sizes(c.getValue(key), key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    }
  }

  private static List<Integer> sizes(ConfigValue value, String key) {
    if (value.valueType() != ConfigValueType.LIST) {
      throw new InvalidSettingException(key, "must be a list of context sizes in tokens, e.g. [2048, 4096, 8192]");
    }
    List<Integer> out = new ArrayList<>();
    for (Object o : (List<?>) value.unwrapped()) {
      if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 256) {
        throw new InvalidSettingException(key, "must hold whole numbers of tokens, each at least 256; found " + o);
      }
      out.add(n.intValue());
    }
    if (out.isEmpty()) {
      throw new InvalidSettingException(key, "must name at least one context size");
    }
    return out.stream().distinct().sorted().toList();
  }
}

package dev.turboagents.config;

import com.typesafe.config.ConfigException;
import java.util.List;
import java.util.Locale;

/**
 * The issue agent's triage ({@code turbo-agents.triage}, documented in reference.conf).
 *
 * @param defaultLabels labels triage may give besides those the project's issues already use
 * @param linkConfidence similarity at or above which a likely duplicate is linked as duplicate_of
 * @param suggestConfidence similarity at or above which it is suggested (below the link confidence)
 * @param similarIssues similar issues looked at per issue
 */
public record TriageSettings(List<String> defaultLabels, double linkConfidence, double suggestConfidence,
    int similarIssues) {

  private static final String T = "turbo-agents.triage.";

  public static TriageSettings of(Settings settings) {
    SettingsReader r = new SettingsReader(settings.config());
    List<String> labels;
    try {
      labels = settings.config().getStringList(T + "default-labels").stream()
          .map(l -> l.strip().toLowerCase(Locale.ROOT)).filter(l -> !l.isEmpty()).distinct().toList();
    } catch (ConfigException.Missing | ConfigException.WrongType e) {
      throw new InvalidSettingException(T + "default-labels", "must be a list of label names");
    }
    double link = fraction(settings, T + "link-confidence");
    double suggest = fraction(settings, T + "suggest-confidence");
    if (suggest > link) {
      throw new InvalidSettingException(T + "suggest-confidence", "must not be above link-confidence (" + link
          + "), was " + suggest);
    }
    return new TriageSettings(labels, link, suggest, r.intIn(T + "similar-issues", 1, 50));
  }

  private static double fraction(Settings settings, String key) {
    double value;
    try {
      value = settings.config().getDouble(key);
    } catch (ConfigException.Missing | ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a number between 0 and 1");
    }
    if (!(value >= 0 && value <= 1)) {
      throw new InvalidSettingException(key, "must be between 0 and 1, was " + value);
    }
    return value;
  }
}

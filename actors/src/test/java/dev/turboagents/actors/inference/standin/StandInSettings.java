package dev.turboagents.actors.inference.standin;

import dev.turboagents.config.InferenceSettings;
import dev.turboagents.config.Settings;
import java.util.HashMap;
import java.util.Map;

/** Inference settings for tests against the stand-in: the defaults with fast timers, plus overrides. */
public final class StandInSettings {
  private StandInSettings() {}

  public static InferenceSettings inference(Map<String, Object> overrides) {
    Map<String, Object> all = new HashMap<>();
    all.put("turbo-agents.inference.min-backoff", "50ms");
    all.put("turbo-agents.inference.max-backoff", "400ms");
    all.put("turbo-agents.inference.max-swap-wait", "2s");
    all.put("turbo-agents.inference.reconcile-interval", "2s");
    all.put("turbo-agents.inference.request-timeout", "30s");
    all.put("turbo-agents.inference.default-deadline", "30s");
    all.putAll(overrides);
    return Settings.load(all).inference();
  }
}

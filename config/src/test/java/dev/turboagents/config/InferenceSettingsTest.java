package dev.turboagents.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inference door's timeouts, backoffs and pinned options as reference.conf gives them, and wrong values. */
class InferenceSettingsTest {

  @TempDir
  Path dataDir;

  private InferenceSettings with(Map<String, Object> overrides) {
    return Settings.forTest(dataDir, overrides).inference();
  }

  @Test
  void everyTimeoutAndBackoffIsASettingWithItsDocumentedDefault() {
    InferenceSettings s = with(Map.of());
    assertEquals(Duration.ofMillis(200), s.restartMinBackoff());
    assertEquals(Duration.ofSeconds(10), s.restartMaxBackoff());
    assertEquals(0.2, s.restartRandomFactor());
    assertEquals(Duration.ofSeconds(5), s.connectTimeout());
    assertEquals(Duration.ofMillis(50), s.unloadPollInterval());
    assertEquals(Duration.ofSeconds(2), s.unloadConfirmTimeout());
    assertTrue(s.loadWithFirstCall());
    assertEquals(Duration.ofMillis(500), s.tickInterval());
    assertEquals(Duration.ofSeconds(5), s.replyMargin());
    assertEquals(Map.of(), s.pinnedFor("any:model"), "no num_ctx pinned by default: the context profiles choose it");
    assertEquals(java.util.List.of(2048, 4096, 8192), s.contextProfiles().profiles());
    assertEquals(512, s.contextProfiles().defaultOutputTokens());
    assertEquals(0.34, s.contextProfiles().initialTokensPerChar());
  }

  @Test
  void wrongValuesNameTheirKey() {
    InvalidSettingException order = assertThrows(InvalidSettingException.class, () -> with(Map.of(
        "turbo-agents.inference.restart-min-backoff", "5s", "turbo-agents.inference.restart-max-backoff", "1s")));
    assertEquals("turbo-agents.inference.restart-max-backoff", order.key());
    InvalidSettingException factor = assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.inference.restart-random-factor", 3)));
    assertEquals("turbo-agents.inference.restart-random-factor", factor.key());
    InvalidSettingException tick = assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.inference.tick-interval", "0s")));
    assertEquals("turbo-agents.inference.tick-interval", tick.key());
  }

  @Test
  void theDailyModelTimeIsOffForPeopleAndAgentsAndTwoHoursForBackgroundWorkUnlessSet() {
    ModelTimeSettings defaults = with(Map.of()).modelTime();
    assertEquals(java.util.Optional.empty(), defaults.budget("interactive"));
    assertEquals(java.util.Optional.empty(), defaults.budget("agent"));
    assertEquals(java.util.Optional.of(Duration.ofHours(2)), defaults.budget("background"));
    assertEquals(java.time.ZoneId.of("UTC"), defaults.zone());
    ModelTimeSettings set = with(Map.of("turbo-agents.inference.daily-model-time.agent", "90m",
        "turbo-agents.inference.daily-model-time.background", "off",
        "turbo-agents.inference.daily-model-time-zone", "Europe/Berlin")).modelTime();
    assertEquals(java.util.Optional.of(Duration.ofMinutes(90)), set.budget("agent"));
    assertEquals(java.util.Optional.empty(), set.budget("background"), "off as a string, as an override gives it");
    assertEquals(java.time.ZoneId.of("Europe/Berlin"), set.zone());
    for (var wrong : java.util.List.of(Map.<String, Object>of("turbo-agents.inference.daily-model-time.agent", "lots"),
        Map.<String, Object>of("turbo-agents.inference.daily-model-time.agent", "0s"),
        Map.<String, Object>of("turbo-agents.inference.daily-model-time.nightly", "1h"),
        Map.<String, Object>of("turbo-agents.inference.daily-model-time-zone", "Mars/Olympus"))) {
      InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> with(wrong));
      assertEquals(wrong.keySet().iterator().next(), e.key(), e.getMessage());
    }
  }

  @Test
  void theRemovedReloadOptionsKeySaysWhatReplacedIt() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.inference.reload-options", java.util.List.of("num_ctx"))));
    assertEquals("turbo-agents.inference.reload-options", e.key());
    assertTrue(e.getMessage().contains("default-options and models"), e.getMessage());
  }

  @Test
  void theRemovedInteractiveWaitTargetKeySaysWhatReplacedIt() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.inference.interactive-wait-target", "30s")));
    assertEquals("turbo-agents.inference.interactive-wait-target", e.key());
    assertTrue(e.getMessage().contains("longest wait of a person"), e.getMessage());
  }

  @Test
  void theLoadSeenThresholdIsRead() {
    assertEquals(java.time.Duration.ofMillis(250), with(Map.of()).loadSeenThreshold());
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.inference.load-seen-threshold", "0s")));
    assertEquals("turbo-agents.inference.load-seen-threshold", e.key());
  }
}

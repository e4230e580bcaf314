package dev.turboagents.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traces are off unless asked for, and when on they go to this machine unless a remote collector is allowed. */
class TelemetrySettingsTest {

  @TempDir
  Path dataDir;

  private TelemetrySettings with(Map<String, ?> overrides) {
    return TelemetrySettings.of(Settings.forTest(dataDir, overrides));
  }

  @Test
  void offByDefaultWithALoopbackCollector() {
    TelemetrySettings t = with(Map.of());
    assertFalse(t.enabled());
    assertEquals("http://127.0.0.1:4318", t.otlpEndpoint());
    assertFalse(t.allowRemote());
    assertEquals("turbo-agents", t.serviceName());
    assertEquals(Duration.ofSeconds(10), t.exportTimeout());
  }

  @Test
  void onWithALoopbackCollector() {
    for (String endpoint : new String[] {"http://localhost:4318", "http://127.0.0.1:14318/", "http://[::1]:4318", "127.0.0.2:4318"}) {
      TelemetrySettings t = with(Map.of("turbo-agents.telemetry.enabled", true, "turbo-agents.telemetry.otlp-endpoint", endpoint));
      assertTrue(t.enabled(), endpoint);
      assertTrue(t.otlpEndpoint().startsWith("http://"), t.otlpEndpoint());
      assertFalse(t.otlpEndpoint().endsWith("/"), "a trailing slash would make //v1/traces: " + t.otlpEndpoint());
    }
  }

  @Test
  void aRemoteCollectorIsRefusedNamingTheKeyAndTheWayToAllowIt() {
    for (String endpoint : new String[] {"http://10.0.0.5:4318", "https://otel.example.com", "http://0.0.0.0:4318", "http://localhost.example.com:4318"}) {
      InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> with(Map.of(
          "turbo-agents.telemetry.enabled", true, "turbo-agents.telemetry.otlp-endpoint", endpoint)), endpoint);
      assertEquals("turbo-agents.telemetry.otlp-endpoint", e.key());
      assertTrue(e.getMessage().contains("not on this machine") && e.getMessage().contains("otlp-allow-remote"), e.getMessage());
    }
  }

  @Test
  void aRemoteCollectorIsAcceptedWhenAllowedOrWhileTracesAreOff() {
    TelemetrySettings allowed = with(Map.of("turbo-agents.telemetry.enabled", true,
        "turbo-agents.telemetry.otlp-endpoint", "https://otel.example.com", "turbo-agents.telemetry.otlp-allow-remote", true));
    assertEquals("https://otel.example.com", allowed.otlpEndpoint());
    TelemetrySettings off = with(Map.of("turbo-agents.telemetry.otlp-endpoint", "http://10.0.0.5:4318"));
    assertFalse(off.enabled(), "a remote endpoint is harmless while nothing is exported");
  }

  @Test
  void wrongValuesNameTheirKey() {
    assertEquals("turbo-agents.telemetry.enabled", assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.telemetry.enabled", "sometimes"))).key());
    assertEquals("turbo-agents.telemetry.otlp-endpoint", assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.telemetry.otlp-endpoint", "ftp://127.0.0.1"))).key());
    assertEquals("turbo-agents.telemetry.export-timeout", assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.telemetry.export-timeout", "0s"))).key());
  }
}

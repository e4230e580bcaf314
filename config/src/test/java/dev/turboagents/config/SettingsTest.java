package dev.turboagents.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings as users give them: defaults, the seed's environment names in their forms, and wrong values. */
class SettingsTest {

  @TempDir
  Path dataDir;

  private Settings with(String key, Object value) {
    return Settings.forTest(dataDir, Map.of(key, value));
  }

  @Test
  void defaultsAreLoopbackAndTheDataDirectoryHoldsTheJournal() {
    Settings s = Settings.load(Map.of("turbo-agents.data-dir", dataDir.toString()));
    assertEquals("127.0.0.1", s.http().bind());
    assertEquals(Duration.ofSeconds(10), s.http().askTimeout());
    assertEquals(1024 * 1024, s.http().maxBodyBytes());
    assertEquals(dataDir.resolve("journal").toString(), s.config().getString("pekko.persistence.journal.leveldb.dir"));
    assertEquals(dataDir.resolve("snapshots").toString(), s.config().getString("pekko.persistence.snapshot-store.local.dir"));
    assertEquals(Optional.empty(), s.services().neo4jUri(), "no NEO4J_URI means the in-process Neo4j");
  }

  @Test
  void ollamaHostAcceptsOllamasOwnForms() {
    assertEquals("http://10.0.0.5:11434", with("turbo-agents.ollama.host", "10.0.0.5").services().ollamaHost());
    assertEquals("http://127.0.0.1:9999", with("turbo-agents.ollama.host", "127.0.0.1:9999").services().ollamaHost());
    assertEquals("http://ollama:11434", with("turbo-agents.ollama.host", "http://ollama:11434/").services().ollamaHost());
    assertEquals(Optional.of("http://turbo-api:8000"), with("turbo-agents.turbo-api.url", "http://turbo-api:8000").services().turboApiUrl());
  }

  @Test
  void aWrongValueNamesTheKeyAndWhatIsWrong() {
    InvalidSettingException port = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.http.port", 70000));
    assertEquals("turbo-agents.http.port", port.key());
    assertTrue(port.getMessage().contains("between 0 and 65535, was 70000"), port.getMessage());

    InvalidSettingException timeout = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.http.ask-timeout", "soon"));
    assertTrue(timeout.getMessage().startsWith("turbo-agents.http.ask-timeout: must be a duration"), timeout.getMessage());

    InvalidSettingException size = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.http.max-body-size", "lots"));
    assertEquals("turbo-agents.http.max-body-size", size.key());

    InvalidSettingException neo4j = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.neo4j.uri", "http://neo4j:7474"));
    assertTrue(neo4j.getMessage().contains("bolt://"), neo4j.getMessage());

    InvalidSettingException ollama = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.ollama.host", "ftp://x"));
    assertEquals("turbo-agents.ollama.host", ollama.key());
  }
}

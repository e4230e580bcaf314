package dev.turboagents.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The knowledge-graph settings: defaults, and wrong values that name their key. */
class GraphSettingsTest {

  @TempDir
  Path dataDir;

  private GraphSettings with(String key, Object value) {
    return Settings.forTest(dataDir, Map.of(key, value)).graph();
  }

  @Test
  void defaultsUseTheInProcessModelAndAFreeBoltPort() {
    GraphSettings g = Settings.forTest(dataDir, Map.of()).graph();
    assertEquals("all-minilm-l6-v2", g.embeddingModel());
    assertEquals(0, g.boltPort());
    assertEquals(128L * 1024 * 1024, g.pageCacheBytes());
    assertEquals(Duration.ofSeconds(1), g.projectionMinBackoff());
    assertEquals(0.9, g.hybridVectorWeight());
    assertEquals(7687, with("turbo-agents.graph.bolt-port", 7687).boltPort());
  }

  @Test
  void aWrongValueNamesTheKey() {
    InvalidSettingException weight = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.graph.hybrid-vector-weight", 1.5));
    assertEquals("turbo-agents.graph.hybrid-vector-weight", weight.key());
    assertTrue(weight.getMessage().contains("between 0 and 1"), weight.getMessage());
    InvalidSettingException notANumber = assertThrows(InvalidSettingException.class,
        () -> with("turbo-agents.graph.default-min-relevance", "high"));
    assertEquals("turbo-agents.graph.default-min-relevance", notANumber.key());
    InvalidSettingException backoff = assertThrows(InvalidSettingException.class, () -> with("turbo-agents.graph.projection-max-backoff", "100ms"));
    assertTrue(backoff.getMessage().contains("projection-min-backoff"), backoff.getMessage());
    assertEquals("turbo-agents.graph.page-cache", assertThrows(InvalidSettingException.class,
        () -> with("turbo-agents.graph.page-cache", "big")).key());
  }
}

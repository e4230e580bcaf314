package dev.turboagents.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workspace and tool settings: defaults, how a configured command becomes argv, wrong values. */
class ToolSettingsTest {

  @TempDir
  Path dataDir;

  private ToolSettings with(String key, Object value) {
    return Settings.forTest(dataDir, Map.of(key, value)).tools();
  }

  @Test
  void defaultsHaveNoWorkspaceAndNoCommands() {
    ToolSettings t = Settings.forTest(dataDir, Map.of()).tools();
    assertEquals(Optional.empty(), t.workspace().path(), "no workspace unless TURBO_AGENTS_WORKSPACE or the key names one");
    assertEquals(Optional.empty(), t.workspace().mainBranch());
    assertEquals(Optional.empty(), t.commands().test());
    assertEquals(Optional.empty(), t.commands().lint());
    assertEquals(1024 * 1024, t.files().maxFileBytes());
    assertEquals(Duration.ofMinutes(10), t.commands().testTimeout());
    assertEquals(List.of(), t.commands().environmentAllowList());
  }

  @Test
  void aCommandLineRunsThroughShAndAListIsTheArgvItself() {
    assertEquals(Optional.of(List.of("/bin/sh", "-c", "mvn -q test && npm test")),
        with("turbo-agents.tools.test-command", "mvn -q test && npm test").commands().test());
    assertEquals(Optional.of(List.of("ruff", "check", "my dir")),
        with("turbo-agents.tools.lint-command", List.of("ruff", "check", "my dir")).commands().lint());
  }

  @Test
  void theWorkspacePathIsAbsolute() {
    Path repo = with("turbo-agents.workspace.path", "relative/repo").workspace().path().orElseThrow();
    assertTrue(repo.isAbsolute(), repo.toString());
  }

  @Test
  void aWrongValueNamesTheKey() {
    InvalidSettingException name = assertThrows(InvalidSettingException.class,
        () -> with("turbo-agents.tools.environment-allow-list", List.of("JAVA_HOME", "A=B")));
    assertEquals("turbo-agents.tools.environment-allow-list", name.key());
    assertTrue(name.getMessage().contains("'A=B'"), name.getMessage());

    InvalidSettingException empty = assertThrows(InvalidSettingException.class,
        () -> with("turbo-agents.tools.test-command", List.of("mvn", "")));
    assertEquals("turbo-agents.tools.test-command", empty.key());

    InvalidSettingException timeout = assertThrows(InvalidSettingException.class,
        () -> with("turbo-agents.tools.test-timeout", "forever"));
    assertEquals("turbo-agents.tools.test-timeout", timeout.key());
  }
}

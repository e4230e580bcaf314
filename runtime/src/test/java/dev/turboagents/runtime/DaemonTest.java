package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.runtime.daemon.Daemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon embedded in a JVM (as the benchmarks and tools use it): the lock and a clean restart. */
class DaemonTest {

  @TempDir
  Path dataDir;

  @Test
  void closeFreesTheDataDirectoryAndASecondDaemonIsRefusedMeanwhile() throws Exception {
    Settings settings = Settings.forTest(dataDir, Map.of());
    String id;
    try (Daemon first = Daemon.start(settings)) {
      id = first.subsystems().tracker().api().toCompletableFuture().get(10, TimeUnit.SECONDS).createIssue(new NewIssue("kept", "", Optional.empty(), List.of(), Optional.empty(),
          Optional.empty(), "test")).toCompletableFuture().get(10, TimeUnit.SECONDS).id();
      Daemon.StartFailure refused = assertThrows(Daemon.StartFailure.class, () -> Daemon.start(settings));
      assertTrue(refused.getMessage().contains("another turbo-agents daemon"), refused.getMessage());
    }
    try (Daemon again = Daemon.start(settings)) {
      assertTrue(again.subsystems().tracker().api().toCompletableFuture().get(10, TimeUnit.SECONDS).issue(id).toCompletableFuture().get(10, TimeUnit.SECONDS).issue().title().equals("kept"));
    }
  }

  /**
   * A daemon closed while its in-process Neo4j is still starting: close() returns only once that
   * Neo4j is closed, so nothing writes to the data directory afterwards (CI once saw a late start
   * still writing there after close, while a second daemon could already have taken the directory).
   */
  @Test
  void closeDuringTheGraphsStartLeavesNothingWritingToTheDataDirectory() throws Exception {
    Path neo4j = dataDir.resolve("neo4j");
    boolean graphWasReady;
    try (Daemon daemon = Daemon.start(Settings.forTest(dataDir, Map.of()))) {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(neo4j) && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertTrue(Files.exists(neo4j), "the in-process Neo4j began its start");
      graphWasReady = daemon.subsystems().graph().api().toCompletableFuture().isDone();
    }
    deleteTree(neo4j); // fails when files are still being written or held
    Thread.sleep(1500);
    assertFalse(Files.exists(neo4j), "nothing wrote to the data directory after close() returned (graph ready at close: "
        + graphWasReady + ")");
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void tracesToACollectorOffThisMachineStopTheStartNamingTheKeyUnlessAllowed() throws Exception {
    Map<String, Object> remote = Map.of("turbo-agents.telemetry.enabled", true,
        "turbo-agents.telemetry.otlp-endpoint", "http://192.0.2.10:4318");
    InvalidSettingException refused = assertThrows(InvalidSettingException.class,
        () -> Daemon.start(Settings.forTest(dataDir, remote)));
    assertEquals("turbo-agents.telemetry.otlp-endpoint", refused.key());
    assertTrue(refused.getMessage().contains("not on this machine") && refused.getMessage().contains("otlp-allow-remote"),
        refused.getMessage());
    Map<String, Object> allowed = new java.util.HashMap<>(remote);
    allowed.put("turbo-agents.telemetry.otlp-allow-remote", true);
    allowed.put("turbo-agents.telemetry.export-timeout", "1s");
    try (Daemon started = Daemon.start(Settings.forTest(dataDir, allowed))) {
      // the refusal left the data directory free, and an allowed remote collector starts
      assertTrue(started.subsystems().tracker().api().toCompletableFuture().get(10, TimeUnit.SECONDS) != null);
    }
  }
}

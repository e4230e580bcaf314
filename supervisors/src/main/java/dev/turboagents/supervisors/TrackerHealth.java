package dev.turboagents.supervisors;

import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.tracker.Tracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

/** The journal and the tracker index: replayed, how many issues and projects, how much is on disk. */
public final class TrackerHealth implements HealthCheck {
  private final Tracker tracker;
  private final Path journalDir;

  public TrackerHealth(Tracker tracker, Path dataDir) {
    this.tracker = tracker;
    this.journalDir = dataDir.resolve("journal");
  }

  @Override
  public String component() {
    return "tracker";
  }

  @Override
  public CompletionStage<ComponentHealth> check() {
    return tracker.stats().thenCombine(tracker.activeIssueActors(), (stats, active) -> {
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("issues", stats.issues());
      figures.put("projects", stats.projects());
      figures.put("issue_actors_in_memory", active);
      figures.put("replayed_events", stats.replayedEvents());
      figures.put("journal_bytes", journalBytes());
      return stats.caughtUp()
          ? ComponentHealth.up(component(), "journal at " + journalDir, figures)
          : new ComponentHealth(component(), ComponentHealth.Status.DEGRADED, "replaying the journal", figures);
    });
  }

  private long journalBytes() {
    try (Stream<Path> files = Files.walk(journalDir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      return -1;
    }
  }
}

package dev.turboagents.actors.autonomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly's stale sweep on the real tracker: an in-progress issue quiet for longer than
 * stale-after gets one reminder per quiet spell; a dry run counts it and posts nothing; new activity
 * starts a new spell.
 */
class StaleIssuesTest {
  @TempDir Path dir;
  ActorTestKit kit;

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aQuietInProgressIssueGetsOneReminderPerQuietSpellAndADryRunPostsNothing() throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("stale", settings.config());
    Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    Issue quiet = await(tracker.createIssue(issue("Uploads over 2 GB fail")));
    Issue open = await(tracker.createIssue(issue("Dark mode")));
    await(tracker.updateIssue(quiet.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    StaleIssues sweep = new StaleIssues(tracker, Duration.ofDays(7));
    Instant now = Instant.now();

    assertEquals(List.of(), await(sweep.sweep(now.plus(Duration.ofDays(6)), false)).stale(), "six quiet days are not stale");
    StaleIssues.Outcome dry = await(sweep.sweep(now.plus(Duration.ofDays(8)), true));
    assertEquals(List.of(quiet.id()), dry.stale());
    assertEquals(List.of(), dry.commented());
    assertEquals(0, reminders(tracker, quiet.id()), "a dry run posts nothing");

    StaleIssues.Outcome real = await(sweep.sweep(now.plus(Duration.ofDays(8)), false));
    assertEquals(List.of(quiet.id()), real.commented());
    StaleIssues.Outcome nextNight = await(sweep.sweep(now.plus(Duration.ofDays(9)), false));
    assertEquals(List.of(quiet.id()), nextNight.stale(), "its own reminder is not activity");
    assertEquals(List.of(), nextNight.commented(), "one reminder per quiet spell");
    assertEquals(1, reminders(tracker, quiet.id()));
    assertEquals(0, reminders(tracker, open.id()), "only in-progress issues");

    await(tracker.comment(quiet.id(), "Still on it", "bob"));
    assertEquals(List.of(), await(sweep.sweep(Instant.now().plus(Duration.ofDays(1)), false)).stale());
    assertEquals(List.of(quiet.id()), await(sweep.sweep(Instant.now().plus(Duration.ofDays(8)), false)).commented(),
        "a new quiet spell gets a new reminder");
    assertEquals(2, reminders(tracker, quiet.id()));
  }

  @Test
  void theNightlysReportNamesEachStaleIssueAndWhatBecameOfIt() throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("stale", settings.config());
    Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    Issue quiet = await(tracker.createIssue(issue("Uploads over 2 GB fail")));
    await(tracker.updateIssue(quiet.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    StaleIssues sweep = new StaleIssues(tracker, Duration.ofDays(7));
    java.time.Clock later = java.time.Clock.fixed(Instant.now().plus(Duration.ofDays(8)), java.time.ZoneOffset.UTC);
    Instant slot = later.instant();

    // no graph here: the graph check says so (NightlyApiTest checks it on the daemon's graph)
    GraphCheck noGraph = new GraphCheck(tracker, java.util.concurrent.CompletableFuture.failedFuture(
        new IllegalStateException("no graph in this test")), Runnable::run);
    DuplicateSweep noSearch = new DuplicateSweep(tracker, java.util.concurrent.CompletableFuture.failedFuture(
        new IllegalStateException("no graph in this test")), 0.9, 0.6, 5);
    StaleEmbeddings noVectors = new StaleEmbeddings(java.util.concurrent.CompletableFuture.failedFuture(
        new IllegalStateException("no graph in this test")), Runnable::run);
    Schedules.Outcome dry = await(new Nightly(sweep, noGraph, noVectors, noSearch, later, true, () -> false).asWork()
        .run("nightly", slot, slot, true));
    assertEquals("nightly (dry run: nothing written): 1 stale in-progress issue(s); graph not checked; embeddings not re-embedded; "
        + "duplicates not searched",
        dry.summary());
    assertTrue(dry.body().contains("- #" + quiet.id() + " (dry run: would be reminded)"), dry.body());
    assertEquals(0, reminders(tracker, quiet.id()));
    Schedules.Outcome real = await(new Nightly(sweep, noGraph, noVectors, noSearch, later, false, () -> false).asWork().run("nightly", slot, slot, true));
    assertTrue(real.body().contains("- #" + quiet.id() + ": reminded now"), real.body());
    Schedules.Outcome again = await(new Nightly(sweep, noGraph, noVectors, noSearch, later, false, () -> false).asWork().run("nightly", slot, slot, true));
    assertTrue(again.body().contains("- #" + quiet.id() + ": already reminded in this quiet spell"), again.body());
    assertEquals(1, reminders(tracker, quiet.id()));
  }

  private static long reminders(Tracker tracker, String id) throws Exception {
    return await(tracker.comments(id)).stream().filter(c -> c.author().equals(StaleIssues.AUTHOR)).count();
  }

  private static NewIssue issue(String title) {
    return new NewIssue(title, "Reported by a user", Optional.of(Priority.HIGH), List.of("bug"), Optional.empty(),
        Optional.empty(), "alice");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

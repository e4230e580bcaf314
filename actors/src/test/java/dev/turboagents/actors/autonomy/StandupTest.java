package dev.turboagents.actors.autonomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
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
 * The standup on the real tracker (LevelDB journal in a temp dir): one comment on each in-progress
 * issue saying what happened since the previous standup, and never a second one the same day, also
 * after the actor system restarts on the same data dir.
 */
class StandupTest {
  @TempDir Path dir;
  ActorTestKit kit;

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  @Test
  void oneCommentPerInProgressIssuePerDayAcrossARestart() throws Exception {
    Tracker tracker = start();
    Instant since = Instant.now().minusSeconds(1);
    Issue working = await(tracker.createIssue(issue("Uploads over 2 GB fail with 413")));
    Issue idle = await(tracker.createIssue(issue("Dark mode for the settings page")));
    await(tracker.updateIssue(working.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    await(tracker.comment(working.id(), "The proxy caps bodies at 2 GiB", "bob"));
    Instant slot = Instant.now().plusNanos(1000);
    ZoneId zone = ZoneId.of("Europe/Berlin");

    Standup.Outcome first = await(standup(tracker, zone).run(since, slot, slot));
    assertEquals(List.of(working.id()), first.commented());
    List<Comment> comments = standupComments(tracker, working.id());
    assertEquals(1, comments.size());
    String text = comments.getFirst().text();
    assertTrue(text.contains("status open → in_progress"), text);
    assertTrue(text.contains("comment by bob: \"The proxy caps bodies at 2 GiB\""), text);
    assertTrue(standupComments(tracker, idle.id()).isEmpty(), "an open issue gets no standup");

    // the same day again (a manual run, or the run resumed after a crash): nothing new is written
    await(tracker.comment(working.id(), "Raised the cap in staging", "bob"));
    Standup.Outcome second = await(standup(tracker, zone).run(since, slot, slot.plusSeconds(60)));
    assertEquals(List.of(working.id()), second.alreadyCommented());
    assertEquals(1, standupComments(tracker, working.id()).size());

    // a restart on the same data dir: the key is in the issue's journal, still one comment today
    kit.shutdownTestKit();
    tracker = start();
    Standup.Outcome afterRestart = await(standup(tracker, zone).run(since, slot, slot.plusSeconds(120)));
    assertEquals(List.of(), afterRestart.commented());
    assertEquals(1, standupComments(tracker, working.id()).size());

    // the next day there is a new comment, saying only what happened since
    Instant tomorrow = slot.plus(Duration.ofDays(1));
    Standup.Outcome next = await(standup(tracker, zone).run(slot, tomorrow, tomorrow));
    assertEquals(List.of(working.id()), next.commented());
    List<Comment> both = standupComments(tracker, working.id());
    assertEquals(2, both.size());
    assertTrue(both.get(1).text().contains("Raised the cap in staging"), both.get(1).text());
    assertTrue(!both.get(1).text().contains("open → in_progress"), both.get(1).text());
    assertEquals(Standup.key(LocalDate.ofInstant(tomorrow, zone), working.id()),
        "standup/" + LocalDate.ofInstant(tomorrow, zone) + "/" + working.id());
  }

  private static Standup standup(Tracker tracker, ZoneId zone) {
    return new Standup(tracker, zone, java.time.Clock.systemUTC(), Standup.Sources.TRACKER_ONLY, Standup.Posting.COMMENTS_ONLY);
  }

  private Tracker start() {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("standup", settings.config());
    return Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
  }

  private static List<Comment> standupComments(Tracker tracker, String issueId) throws Exception {
    return await(tracker.comments(issueId)).stream().filter(c -> c.author().equals(Standup.AUTHOR)).toList();
  }

  private static NewIssue issue(String title) {
    return new NewIssue(title, "Reported by a user", Optional.of(Priority.HIGH), List.of("bug"), Optional.empty(),
        Optional.empty(), "alice");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

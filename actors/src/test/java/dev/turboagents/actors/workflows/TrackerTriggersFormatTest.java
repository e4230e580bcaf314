package dev.turboagents.actors.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.turboagents.config.Settings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The triggers' journal as daemons from before the status view wrote it (a state of offset and key
 * sets, events of a key and a detail) read through the real serializer as today's classes: counts
 * derived from the keys done, outcomes from the details; and today's state round-trips whole.
 */
class TrackerTriggersFormatTest {
  @TempDir
  Path dir;

  private ActorTestKit kit;

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  record StateBefore(long offset, Set<String> started, Set<String> done) implements dev.turboagents.persistence.CborSerializable {}

  record ActionStartedBefore(String key) implements dev.turboagents.persistence.CborSerializable {}

  record ActionDoneBefore(String key, long offset, String detail) implements dev.turboagents.persistence.CborSerializable {}

  private Serialization serialization() {
    kit = ActorTestKit.create("format", Settings.forTest(dir, Map.of()).config());
    return org.apache.pekko.serialization.SerializationExtension.get(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(kit.system()));
  }

  private static <T> T readAs(Serialization serialization, Object old, Class<T> as) {
    var serializer = serialization.findSerializerFor(old);
    return as.cast(serialization.deserialize(serializer.toBinary(old), serializer.identifier(), as.getName()).get());
  }

  @Test
  void aStateAndEventsFromBeforeTheStatusReadAsTodays() {
    Serialization serialization = serialization();
    TrackerTriggers.State state = readAs(serialization, new StateBefore(7, Set.of(),
        Set.of("triage/a", "reply/b", "reply/c")), TrackerTriggers.State.class);
    assertEquals(7, state.offset());
    assertEquals(new TrackerTriggers.Tally(1, 1, 0, 0), state.tally(TrackerTriggers.TRIAGE));
    assertEquals(new TrackerTriggers.Tally(2, 2, 0, 0), state.tally(TrackerTriggers.REPLY));
    assertEquals(Optional.empty(), state.began(), "no Began: the old journal is not gated by time");
    assertEquals(List.of(), state.recent());
    assertFalse(state.fresh(), "a journal the triggers followed before does not begin again");

    TrackerTriggers.ActionStarted started = readAs(serialization, new ActionStartedBefore("reply/b"),
        TrackerTriggers.ActionStarted.class);
    assertEquals(new TrackerTriggers.ActionStarted("reply/b"), started);
    for (var detail : Map.of("skipped: the daily model time of the background class is spent", TrackerTriggers.SKIPPED,
        "not addressed", TrackerTriggers.SKIPPED, "failed: boom", TrackerTriggers.FAILED,
        "triage job 42", TrackerTriggers.DONE).entrySet()) {
      TrackerTriggers.ActionDone done = readAs(serialization, new ActionDoneBefore("triage/a", 3, detail.getKey()),
          TrackerTriggers.ActionDone.class);
      assertEquals(detail.getValue(), done.outcome(), detail.getKey());
      assertEquals(3, done.offset());
    }
  }

  @Test
  void todaysStateRoundTrips() {
    Serialization serialization = serialization();
    Instant at = Instant.parse("2026-12-03T12:00:00Z");
    TrackerTriggers.State state = new TrackerTriggers.State(9, Set.of("reply/c"), Set.of("triage/a"), Optional.of(at),
        Map.of(TrackerTriggers.TRIAGE, new TrackerTriggers.Tally(3, 1, 1, 1), TrackerTriggers.REPLY,
            new TrackerTriggers.Tally(1, 0, 0, 0)),
        List.of(new TrackerTriggers.ActionRecord("triage/a", TrackerTriggers.TRIAGE, "issue created", "a", Optional.empty(),
            Optional.of("job-1"), TrackerTriggers.DONE, Optional.of("triage job job-1"), Optional.of(at),
            Optional.of(at.plusSeconds(1)))));
    assertEquals(state, readAs(serialization, state, TrackerTriggers.State.class));
  }
}

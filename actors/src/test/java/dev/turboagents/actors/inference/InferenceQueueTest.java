package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The waiting room: bounded, ordered by class with aging, first come first served within a class. */
class InferenceQueueTest {
  private static final long SECOND = 1_000_000_000L;

  private static InferenceQueue.Waiting<String> w(String id, Priority p, long enqueued, long deadline) {
    return new InferenceQueue.Waiting<>(id, new InferenceCall.Embed("m", List.of("x"), java.util.Optional.empty(),
        java.util.Optional.empty(), ModelOptions.NONE), p, enqueued, deadline, id);
  }

  private static List<String> ids(List<InferenceQueue.Waiting<String>> ws) {
    return ws.stream().map(InferenceQueue.Waiting::id).toList();
  }

  @Test
  void higherClassesFirstThenArrival() {
    InferenceQueue<String> q = new InferenceQueue<>(10, Duration.ofMinutes(5));
    q.offer(w("b1", Priority.BACKGROUND, 0, Long.MAX_VALUE));
    q.offer(w("a1", Priority.AGENT, 1, Long.MAX_VALUE));
    q.offer(w("i1", Priority.INTERACTIVE, 2, Long.MAX_VALUE));
    q.offer(w("a2", Priority.AGENT, 3, Long.MAX_VALUE));
    assertEquals(List.of("i1", "a1", "a2", "b1"), ids(q.ordered(10)));
  }

  @Test
  void aWaitingRequestClimbsOneClassPerAgingStep() {
    InferenceQueue<String> q = new InferenceQueue<>(10, Duration.ofSeconds(60));
    var old = w("old-background", Priority.BACKGROUND, 0, Long.MAX_VALUE);
    q.offer(old);
    q.offer(w("fresh-interactive", Priority.INTERACTIVE, 119 * SECOND, Long.MAX_VALUE));
    assertEquals(2, q.effectiveClass(old, 59 * SECOND));
    assertEquals(1, q.effectiveClass(old, 60 * SECOND));
    assertEquals(List.of("fresh-interactive", "old-background"), ids(q.ordered(119 * SECOND)));
    assertEquals(0, q.effectiveClass(old, 120 * SECOND));
    assertEquals(List.of("old-background", "fresh-interactive"), ids(q.ordered(120 * SECOND)), "it is older in class 0");
    assertEquals(0, InferenceQueue.effectiveClass(old, 600 * SECOND, 60 * SECOND), "never above interactive");
  }

  @Test
  void aFullQueueRefusesAndAPutBackRequestKeepsItsPlace() {
    InferenceQueue<String> q = new InferenceQueue<>(2, Duration.ofMinutes(5));
    var first = w("first", Priority.AGENT, 0, Long.MAX_VALUE);
    assertTrue(q.offer(first));
    assertTrue(q.offer(w("second", Priority.AGENT, 1, Long.MAX_VALUE)));
    assertFalse(q.offer(w("third", Priority.AGENT, 2, Long.MAX_VALUE)));
    assertEquals(2, q.capacity());
    q.remove("first");
    q.putBack(first);
    assertEquals(List.of("first", "second"), ids(q.ordered(5)), "its arrival time keeps it first");
  }

  @Test
  void expiredRequestsLeaveAndRemoveIfTakesWhatItPicks() {
    InferenceQueue<String> q = new InferenceQueue<>(10, Duration.ofMinutes(5));
    q.offer(w("soon", Priority.AGENT, 0, 5));
    q.offer(w("later", Priority.AGENT, 0, 50));
    q.offer(w("other", Priority.BACKGROUND, 0, Long.MAX_VALUE));
    assertEquals(List.of("soon"), ids(q.expire(5)));
    assertEquals(List.of("other"), ids(q.removeIf(x -> x.priority() == Priority.BACKGROUND)));
    assertEquals(List.of("later"), ids(q.ordered(6)));
    assertEquals(1, q.size());
  }
}

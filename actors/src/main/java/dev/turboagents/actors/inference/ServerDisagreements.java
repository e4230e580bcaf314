package dev.turboagents.actors.inference;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The times the door's picture of the server differed from the server's own (a model evicted or
 * reloaded behind the door's back, a size other than planned): counted, and the latest kept for
 * the status. Not thread-safe: the actor owns it.
 */
final class ServerDisagreements {
  /** How many of the latest disagreements the status shows. */
  static final int KEPT = 20;

  private final ArrayDeque<String> recent = new ArrayDeque<>();
  private long count = 0;

  void add(String what) {
    count++;
    recent.addLast(Instant.now() + " " + what);
    while (recent.size() > KEPT) {
      recent.removeFirst();
    }
  }

  long count() {
    return count;
  }

  List<String> recent() {
    return List.copyOf(recent);
  }
}

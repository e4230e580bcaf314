package dev.turboagents.actors.agents.calling;

import dev.turboagents.actors.inference.ToolCall;
import java.util.List;
import java.util.Optional;

/**
 * Stops a job that repeats itself: the same tool with the same arguments {@code limit} times in a
 * row is a loop, whatever the tool answered.
 */
public record LoopGuard(int limit) {

  /** The reason to stop, if the newest {@code limit} calls of {@code calls} (oldest first) are all the same. */
  public Optional<String> check(List<ToolCall> calls) {
    if (calls.size() < limit) {
      return Optional.empty();
    }
    ToolCall last = calls.getLast();
    boolean loop = calls.subList(calls.size() - limit, calls.size()).stream()
        .allMatch(c -> c.name().equals(last.name()) && c.arguments().equals(last.arguments()));
    return loop
        ? Optional.of("stopped as a loop: the model called " + last.name() + " " + last.arguments() + " " + limit
            + " times in a row")
        : Optional.empty();
  }
}

package dev.turboagents.actors.inference;

/**
 * Where one request stands, as {@link InferenceActor.GetRequest} answers it: waiting (its place,
 * an estimated start and why it waits, in words), running, done (how long it waited and ran), or
 * unknown (never seen, or forgotten after {@code request-history-for} / {@code request-history}).
 */
public sealed interface RequestState {

  String requestId();

  /** In the queue: {@code position} 1 is next; {@code estimatedStartMillis} from now, from measured load and service times. */
  record Waiting(String requestId, String model, Priority priority, int position, long waitedMillis,
      long estimatedStartMillis, String reason) implements RequestState {}

  /** Running on the server since {@code runningMillis}, after waiting {@code waitedMillis}. */
  record Running(String requestId, String model, Priority priority, long waitedMillis, long runningMillis)
      implements RequestState {}

  /**
   * Answered: {@code outcome} "completed" or the failure's name in lower case; {@code ranMillis} 0
   * when it never ran; {@code message} the failure's words, empty when it completed.
   */
  record Done(String requestId, String model, Priority priority, long waitedMillis, long ranMillis, String outcome,
      String message) implements RequestState {}

  /** No such request held or remembered. */
  record Unknown(String requestId) implements RequestState {}
}

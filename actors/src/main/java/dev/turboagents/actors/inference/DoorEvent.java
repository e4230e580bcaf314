package dev.turboagents.actors.inference;

/**
 * What the inference door publishes on the actor system's event stream as it happens, for whoever
 * keeps figures over time (the metrics): a request leaving the queue to run, a model loaded or
 * unloaded. Nothing in the door waits for a listener.
 */
public sealed interface DoorEvent {

  /** A request started running after waiting {@code nanos} in the queue; {@code priority} is its own class. */
  record Waited(Priority priority, long nanos) implements DoorEvent {}

  /**
   * {@code model} was loaded in {@code nanos}; {@code byTheDoor} false: Ollama loaded it on its own
   * for a call (it had dropped it), seen on the call's load_duration. A load the door made within a
   * call (load-with-first-call) is published when that call ends, with its load_duration (the time
   * to its first piece if it ended without an answer).
   */
  record Loaded(String model, long nanos, boolean byTheDoor) implements DoorEvent {}

  /** {@code model} was unloaded (by the door: to make room, or by the watchdog). */
  record Unloaded(String model) implements DoorEvent {}
}

package dev.turboagents.actors.inference;

/** Whether a thinking model thinks before it answers. */
public sealed interface Thinking {

  /** Nothing asked: the server decides. */
  Thinking SERVER_DEFAULT = new ServerDefault();

  /** Nothing asked: the server decides. */
  record ServerDefault() implements Thinking {}

  /** Thinking on or off. */
  record Toggle(boolean on) implements Thinking {}

  /** Thinking at an effort level the model knows ("low", "medium", "high"). */
  record Effort(String level) implements Thinking {}
}

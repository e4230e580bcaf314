package dev.turboagents.actors.inference;

/** The shape an answer must have: free text, any JSON, or JSON that follows a schema. */
public sealed interface AnswerFormat {

  /** Free text (the server's default). */
  AnswerFormat TEXT = new Text();

  /** Any well-formed JSON. */
  AnswerFormat JSON = new AnyJson();

  /** Free text. */
  record Text() implements AnswerFormat {}

  /** Any well-formed JSON. */
  record AnyJson() implements AnswerFormat {}

  /** JSON that follows {@code schema} (constrained decoding). */
  record Schema(JsonSchema schema) implements AnswerFormat {}
}

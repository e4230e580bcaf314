package dev.turboagents.http.openai;

/**
 * OpenAI's {@code tool_choice}: whether the model may, must, or must not call a tool, or which one
 * it must call. Absent, it is {@link Auto} when tools are sent and {@link None} when not, as OpenAI
 * defines it.
 */
sealed interface ToolChoice {

  /** No tool call: the tools are not sent at all. */
  record None() implements ToolChoice {}

  /** The model answers in text or calls one of the tools. */
  record Auto() implements ToolChoice {}

  /** The model calls one of the tools. */
  record Required() implements ToolChoice {}

  /** The model calls this tool. */
  record Named(String name) implements ToolChoice {}
}

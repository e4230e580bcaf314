package dev.turboagents.actors.inference;

import java.util.List;
import java.util.Optional;

/** One streamed piece of an answer: text, thinking text, or tool calls. */
public record Delta(String content, Optional<String> thinking, List<ToolCall> toolCalls) {}

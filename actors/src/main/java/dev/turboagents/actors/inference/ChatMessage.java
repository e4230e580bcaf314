package dev.turboagents.actors.inference;

import java.util.List;
import java.util.Optional;

/**
 * One message of a chat, in Ollama's terms.
 *
 * @param role system, user, assistant or tool
 * @param images base64-encoded images for multimodal models
 * @param toolName for a tool message: the tool whose result this is
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, List<String> images,
    Optional<String> thinking, Optional<String> toolName) {

  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, content, List.of(), List.of(), Optional.empty(), Optional.empty());
  }
}

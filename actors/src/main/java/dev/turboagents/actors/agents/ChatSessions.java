package dev.turboagents.actors.agents;

import dev.turboagents.persistence.chat.ChatSessionEntity;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The parent of the chat sessions: spawns a session's entity when it is first addressed, then forwards to it. */
public final class ChatSessions {

  /** Hands {@code command} to session {@code sessionId}. */
  public record ToSession(String sessionId, ChatSessionEntity.Command command) {}

  private ChatSessions() {}

  public static Behavior<ToSession> create(int keepChars) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<ChatSessionEntity.Command>> sessions = new HashMap<>();
      return Behaviors.receiveMessage(m -> {
        sessions.computeIfAbsent(m.sessionId(), id -> context.spawn(ChatSessionEntity.create(id, keepChars),
            "session-" + id)).tell(m.command());
        return Behaviors.same();
      });
    });
  }
}

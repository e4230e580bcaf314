package dev.turboagents.persistence.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A chat session: exchanges recorded, the older ones condensed once they pass the limit, all of it after a restart. */
class ChatSessionEntityTest {
  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void olderExchangesAreCondensedAndTheSessionSurvivesARestart() {
    var kit = EventSourcedBehaviorTestKit.<ChatSessionEntity.Command, ChatSessionEntity.Event, ChatSessionEntity.Session>create(
        testKit.system(), ChatSessionEntity.create("s-1", 300));
    ChatSessionEntity.Session empty = kit.<StatusReply<ChatSessionEntity.Session>>runCommand(ChatSessionEntity.Get::new)
        .reply().getValue();
    assertTrue(empty.isEmpty());
    for (int i = 1; i <= 4; i++) {
      int n = i;
      kit.<StatusReply<ChatSessionEntity.Session>>runCommand(r -> new ChatSessionEntity.Exchange("question " + n + " "
          + "x".repeat(60), "answer " + n + " " + "y".repeat(60), "question", List.of("id-" + n), Optional.empty(), r));
    }
    var result = kit.<StatusReply<ChatSessionEntity.Session>>runCommand(r -> new ChatSessionEntity.Exchange("question 5",
        "answer 5", "implement", List.of(), Optional.of("job-5"), r));
    ChatSessionEntity.Session s = result.reply().getValue();
    assertEquals(5, s.total());
    assertTrue(s.summary().isPresent(), "the older exchanges were condensed: " + s);
    assertTrue(s.summary().get().contains("question 1") && s.summary().get().contains("[cited id-1]")
        && s.summary().get().contains("question 2"), s.summary().get());
    assertTrue(s.recent().size() < 5 && s.recent().getLast().message().equals("question 5"), s.recent().toString());
    assertTrue(s.history().contains("Earlier in this conversation") && s.history().contains("User: question 5"),
        s.history());
    assertTrue(kit.restart().state().equals(s), "the same session from the journal");
  }
}

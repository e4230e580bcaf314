package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turboagents.actors.inference.Delta;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A follower that subscribes after the model began (or finished) its turn still hears the whole
 * turn: the tokens given before it came are replayed, then the new ones; the kept turn is bounded.
 */
class LiveTokensTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static Delta text(String t) {
    return new Delta(t, Optional.empty(), List.of());
  }

  private static String heard(CompletionStage<List<Delta>> followed) throws Exception {
    return followed.toCompletableFuture().get(10, TimeUnit.SECONDS).stream().map(Delta::content)
        .collect(Collectors.joining());
  }

  private static CompletionStage<List<Delta>> follow(LiveTokens tokens, String job) {
    return tokens.follow(job).runWith(Sink.seq(), KIT.system());
  }

  @Test
  void aLateFollowerHearsTheCurrentTurnFromItsStartThenTheRest() throws Exception {
    LiveTokens tokens = new LiveTokens();
    tokens.turnStarts("j1");
    tokens.publish("j1", text("{\"name\":\"read\""));
    tokens.turnStarts("j1"); // a second model call: the first turn's tokens are no longer the current turn
    tokens.publish("j1", text("The "));
    tokens.publish("j1", text("answer"));
    CompletionStage<List<Delta>> late = follow(tokens, "j1");
    waitFollowing(tokens, "j1");
    tokens.publish("j1", text(" is 42."));
    tokens.end("j1");
    assertEquals("The answer is 42.", heard(late));
  }

  @Test
  void aFollowerAfterTheEndHearsTheLastTurnAndEnds() throws Exception {
    LiveTokens tokens = new LiveTokens();
    tokens.turnStarts("fast");
    tokens.publish("fast", text("All "));
    tokens.publish("fast", text("done."));
    tokens.end("fast");
    assertEquals("All done.", heard(follow(tokens, "fast")));
  }

  @Test
  void followingUntilAStageEndsThereAfterWhatCameByThen() throws Exception {
    LiveTokens tokens = new LiveTokens();
    CompletableFuture<String> reply = new CompletableFuture<>();
    tokens.turnStarts("chat");
    tokens.publish("chat", text("Hello"));
    CompletionStage<List<Delta>> followed = tokens.follow("chat", reply).runWith(Sink.seq(), KIT.system());
    waitFollowing(tokens, "chat");
    tokens.publish("chat", text(" world"));
    reply.complete("the answer");
    assertEquals("Hello world", heard(followed));
  }

  @Test
  void theKeptTurnIsBoundedToItsNewestTokens() throws Exception {
    LiveTokens tokens = new LiveTokens();
    tokens.turnStarts("long");
    int many = LiveTokens.TURN_KEPT + 10;
    IntStream.range(0, many).forEach(i -> tokens.publish("long", text(i + ",")));
    tokens.end("long");
    String heard = heard(follow(tokens, "long"));
    assertEquals(IntStream.range(10, many).mapToObj(i -> i + ",").collect(Collectors.joining()), heard);
  }

  @Test
  void onlyTheLastJobsThatEndedKeepTheirTurn() throws Exception {
    LiveTokens tokens = new LiveTokens();
    for (int i = 0; i <= LiveTokens.ENDED_KEPT; i++) {
      tokens.turnStarts("job-" + i);
      tokens.publish("job-" + i, text("answer " + i));
      tokens.end("job-" + i);
    }
    assertEquals("answer " + LiveTokens.ENDED_KEPT, heard(follow(tokens, "job-" + LiveTokens.ENDED_KEPT)));
    CompletionStage<List<Delta>> evicted = follow(tokens, "job-0");
    waitFollowing(tokens, "job-0");
    tokens.end("job-0");
    assertEquals("", heard(evicted), "the oldest ended job's turn is forgotten");
  }

  private static void waitFollowing(LiveTokens tokens, String job) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (tokens.followers(job) == 0 && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertEquals(1, tokens.followers(job), "the follower subscribed");
  }
}

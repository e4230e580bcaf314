package dev.turboagents.runtime.workflows;

import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scripted Ollama the triggers' tests run the real daemon against: one model, {@code coder:1b},
 * for the issue agent and the chat agent. The issue agent's call gets a triage decision for the issue
 * its prompt names; a chat call gets {@code chatAnswer} of its messages, and can be held in its model
 * call ({@link #holdChat}) to see a reply while it runs.
 */
final class TriggerStandIn implements AutoCloseable {
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  final AtomicBoolean holdChat = new AtomicBoolean();
  final CountDownLatch chatArrived = new CountDownLatch(1);
  private final OllamaStandIn ollama;
  private final Function<String, String> chatAnswer;
  private volatile Duration callTime = Duration.ZERO;

  private TriggerStandIn(Function<String, String> chatAnswer) {
    this.chatAnswer = chatAnswer;
    this.ollama = new OllamaStandIn(List.of(new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64,
        Duration.ofMillis(20), 500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(this::answer);
  }

  /** @param chatAnswer the chat agent's final answer, given the request's messages as JSON */
  static TriggerStandIn start(Function<String, String> chatAnswer) {
    return new TriggerStandIn(chatAnswer);
  }

  /** Every model call takes at least this long from now on (to spend a class's daily model time). */
  void callsTake(Duration time) {
    this.callTime = time;
  }

  /** The daemon's settings for this stand-in: its host, its model for both agents, quick polls. */
  Map<String, Object> settings() {
    return new HashMap<>(Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.agents.issue-model", "coder:1b", "turbo-agents.agents.chat-model", "coder:1b",
        "turbo-agents.agents.wait-check", "100ms", "turbo-agents.workflows.poll-interval", "100ms"));
  }

  private Script.Answer answer(Script.Request r) {
    sleep(callTime.toMillis());
    String messages = r.body().path("messages").toString();
    if (messages.contains("the issue agent")) {
      Matcher id = UUID.matcher(messages);
      String issue = id.find() ? id.group() : "none";
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"decisions\":[{\"issue_id\":\"" + issue
          + "\",\"labels\":[\"bug\"],\"priority\":\"high\",\"reason\":\"a visible typo\",\"comment\":\"Thanks.\"}]}}");
    }
    if (holdChat.get()) {
      chatArrived.countDown();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (holdChat.get() && System.nanoTime() < until) {
        sleep(50);
      }
    }
    return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"" + chatAnswer.apply(messages)
        + "\"}}");
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets a held chat go, then stops the stand-in. */
  @Override
  public void close() {
    holdChat.set(false);
    ollama.close();
  }
}

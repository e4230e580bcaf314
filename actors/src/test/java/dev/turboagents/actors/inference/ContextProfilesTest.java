package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.persistence.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Context profiles with the door against the stand-in (which, like Ollama, reloads a model whenever
 * num_ctx changes, and counts its loads): the profile chosen by the prompt's size, a drifting num_ctx
 * causing no reload, a larger prompt the one reload it needs, an oversized prompt refused with both
 * sizes, the size estimate calibrated on prompt_eval_count; and the profiles read from the config.
 */
class ContextProfilesTest {
  private static final long GIB = StandInModel.GIB;
  private static final ActorTestKit kit = ActorTestKit.create();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private OllamaStandIn standIn() {
    OllamaStandIn s = new OllamaStandIn(List.of(new StandInModel("m", GIB, 32, 8, 128, Duration.ofMillis(20), 200, 0,
        List.of("completion"))), 64 * GIB, 8, 0.02).start();
    open.add(s);
    return s;
  }

  private ActorRef<InferenceActor.Command> door(OllamaStandIn s, Map<String, Object> overrides) {
    var settings = StandInSettings.inference(overrides);
    OllamaBackend backend = new OllamaBackend(s.url(), settings);
    open.add(backend);
    var door = kit.spawn(InferenceActor.create(settings, backend, new MemoryBudget(32 * GIB, "test")));
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(BackendHealth.State.UP, status(door).backend()));
    return door;
  }

  private static InferenceStatus status(ActorRef<InferenceActor.Command> door) {
    TestProbe<InferenceStatus> probe = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  private static Optional<Integer> loadedProfile(ActorRef<InferenceActor.Command> door) {
    return status(door).resident().stream().filter(r -> r.model().equals("m")).findFirst()
        .flatMap(InferenceStatus.ResidentModel::contextProfile);
  }

  private static InferenceCall chat(int promptChars, Map<String, Object> options) {
    return new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "x".repeat(promptChars))), List.of(),
        AnswerFormat.TEXT, ModelOptions.of(options), Thinking.SERVER_DEFAULT);
  }

  private static Reply ask(ActorRef<InferenceActor.Command> door, String id, InferenceCall call) {
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(new InferenceActor.Submit(id, call, Priority.INTERACTIVE, Optional.empty(), Optional.empty(), probe.ref()));
    return probe.expectMessageClass(Reply.class, Duration.ofSeconds(15));
  }

  @Test
  void theSmallestProfileThatHoldsThePromptIsLoadedAndADriftingNumCtxNeverReloads() {
    OllamaStandIn s = standIn();
    var door = door(s, Map.of());
    // 100 characters at 0.34 tokens a character + 512 of answer: the smallest default profile, 2048
    assertTrue(ask(door, "first", chat(100, Map.of("num_predict", 4))) instanceof Completed);
    assertEquals(Optional.of(2048), loadedProfile(door));
    int i = 0;
    for (Map<String, Object> options : List.<Map<String, Object>>of(Map.of("num_ctx", 1024), Map.of("num_ctx", 8192),
        Map.of("num_ctx", 4096, "num_predict", 3), Map.of("num_ctx", 32768), Map.of())) {
      assertTrue(ask(door, "drift" + i++, chat(100 + 37 * i, options)) instanceof Completed);
    }
    assertEquals(1, s.loadsOf("m"), "six requests, five num_ctx: one load");
    assertEquals(1, status(door).loads());
    assertEquals(Optional.of(2048), loadedProfile(door));
  }

  @Test
  void aPromptLargerThanTheLoadedProfileReloadsOnceAndSmallerOnesRideOnIt() {
    OllamaStandIn s = standIn();
    var door = door(s, Map.of());
    assertTrue(ask(door, "small", chat(100, Map.of("num_predict", 4))) instanceof Completed);
    assertEquals(Optional.of(2048), loadedProfile(door));
    // 20000 characters: about 5000 tokens even at the calibrated 1/4 a character, + 4 of answer: 8192
    assertTrue(ask(door, "large", chat(20_000, Map.of("num_predict", 4))) instanceof Completed);
    assertEquals(2, s.loadsOf("m"), "the larger prompt needs the larger profile: one reload");
    assertEquals(2, status(door).loads(), "the reload is counted by the door too");
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(Optional.of(8192), loadedProfile(door)));
    assertTrue(ask(door, "small-again", chat(100, Map.of("num_predict", 4))) instanceof Completed);
    assertEquals(2, s.loadsOf("m"), "a small prompt rides on the larger profile already loaded");
  }

  @Test
  void aPromptLargerThanTheLargestProfileIsRefusedWithBothSizesAndNeverSent() {
    OllamaStandIn s = standIn();
    var door = door(s, Map.of());
    int before = s.requests();
    Reply reply = ask(door, "huge", chat(40_000, Map.of()));
    Failed f = (Failed) reply;
    assertEquals(Failure.CONTEXT_EXCEEDED, f.failure());
    int prompt = (int) Math.ceil(PromptSizes.chars(chat(40_000, Map.of())) * 0.34); // the role counts too
    assertTrue(f.message().contains("the prompt (about " + prompt + " tokens)") && f.message().contains("(8192 tokens"),
        f.message());
    assertEquals(before, s.requests(), "nothing reached the server, nothing was cut");
    assertEquals(0, s.loadsOf("m"));
  }

  @Test
  void thePromptSizeIsCalibratedOnPromptEvalCount() {
    OllamaStandIn s = standIn();
    var door = door(s, Map.of());
    // 5500 characters at the initial 0.34 tokens a character = 1870, + 512 > 2048: would need 4096.
    // The stand-in counts 4 characters a token: after one answer the door sizes it 1375 + 8, + 512: 2048.
    assertTrue(ask(door, "calibrate", chat(2000, Map.of())) instanceof Completed);
    assertEquals(Optional.of(2048), loadedProfile(door));
    assertTrue(ask(door, "sized", chat(5500, Map.of())) instanceof Completed);
    assertEquals(1, s.loadsOf("m"), "the calibrated estimate fits the loaded 2048 profile");
  }

  @Test
  void profilesComeFromTheConfigCappedAtTheModelsOwnContext() {
    var settings = StandInSettings.inference(Map.of(
        "turbo-agents.inference.model-context-profiles.\"big\"", List.of(16384, 4096),
        "turbo-agents.inference.models.\"pinned\".num_ctx", 3000));
    ContextProfiles profiles = ContextProfiles.from(settings);
    assertEquals(List.of(2048, 4096, 8192), profiles.of("any", Optional.empty()));
    assertEquals(List.of(4096, 16384), profiles.of("big", Optional.empty()), "its own list, ascending");
    assertEquals(List.of(4096, 10000), profiles.of("big", Optional.of(10000)), "capped at its context_length");
    assertEquals(List.of(3000), profiles.of("pinned", Optional.empty()), "a pinned num_ctx is its one profile");
    assertEquals(16384, profiles.largest("big"), "an agent's window");
    assertEquals(new ContextProfiles.Profile(4096), profiles.choose("any", Optional.empty(), 2000, 49, Optional.empty()));
    assertEquals(new ContextProfiles.Profile(8192), profiles.choose("any", Optional.empty(), 100, 10, Optional.of(8192)),
        "the loaded profile when it holds the request");
    assertEquals(new ContextProfiles.Profile(8192), profiles.choose("any", Optional.empty(), 100, 9000, Optional.of(2048)),
        "an answer longer than any profile: the largest, it ends where the context does");
    assertEquals(new ContextProfiles.TooLarge(9000, 8192), profiles.choose("any", Optional.empty(), 9000, 0, Optional.empty()));
    Map<String, Object> bad = new HashMap<>();
    bad.put("turbo-agents.inference.context-profiles", List.of(2048, "lots"));
    var e = assertThrows(InvalidSettingException.class, () -> StandInSettings.inference(bad));
    assertTrue(e.getMessage().contains("turbo-agents.inference.context-profiles"), e.getMessage());
  }

  @Test
  void aCachedPromptPrefixDoesNotTeachTooFewTokens() {
    PromptSizes sizes = new PromptSizes(0.34);
    InferenceCall call = chat(3996, Map.of()); // with the role "user": 4000 characters
    assertEquals(4000, PromptSizes.chars(call));
    sizes.calibrate(call, 1000);
    assertEquals(0.25, sizes.tokensPerChar("m"), 1e-9);
    sizes.calibrate(call, 40); // Ollama evaluated only the new end: not a size
    assertEquals(0.25, sizes.tokensPerChar("m"), 1e-9);
    sizes.calibrate(call, 1400);
    assertEquals(0.25 + (0.35 - 0.25) / 4, sizes.tokensPerChar("m"), 1e-9);
    assertEquals((int) Math.ceil(4000 * 0.275), sizes.tokens(call));
  }
}

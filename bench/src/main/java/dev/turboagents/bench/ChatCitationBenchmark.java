package dev.turboagents.bench;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.agents.Chat;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Item 7 of issue 13 (second half): chat citation accuracy on a small labelled question set over
 * seeded issues, against a real Ollama. The labels (which ids answer each question) come from how
 * the seed is built, not from the tools. Per model: citation precision (cited ids that exist and
 * are relevant / cited ids), recall (relevant ids cited / relevant ids), both before the citation
 * check (every id the model named) and after it (invented ids dropped), and the ids it invented.
 *
 * <p>{@code bench/run ChatCitationBenchmark <ollama-url> <model>...}
 */
public final class ChatCitationBenchmark {

  record Question(String text, Set<String> relevant) {}

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:11434";
    List<String> models = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of("smollm2:135m");
    Table table = new Table("model", "questions", "answered", "named ids", "invented", "precision raw",
        "precision checked", "recall", "s / question");
    for (String model : models) {
      table.row(run(url, model));
    }
    System.out.println(table.render());
    System.exit(0);
  }

  private static Object[] run(String url, String model) throws Exception {
    Path dataDir = Files.createTempDirectory("chat-bench");
    Settings settings = Settings.forTest(dataDir, Map.of(
        "turbo-agents.agents.chat-model", model,
        "turbo-agents.agents.answer-tokens", 300,
        "turbo-agents.agents.max-wall-time", "300s",
        "turbo-agents.chat.max-steps", 4,
        "turbo-agents.chat.answer-wait", "300s"));
    var inference = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "300s",
        "turbo-agents.inference.default-deadline", "300s"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "chat-bench", settings.config());
    Tracker.Spawner spawner = new Tracker.Spawner() {
      public <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
        return system.systemActorOf(behavior, name, Props.empty());
      }
    };
    try (OllamaBackend backend = new OllamaBackend(url, inference)) {
      var door = spawner.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "bench")), "inference");
      Tracker tracker = Tracker.start(spawner, system, settings.tracker(), Duration.ofSeconds(10));
      List<Question> questions = seed(tracker);
      AgentJobs agents = AgentJobs.start(spawner, system, settings, AgentSettings.of(settings), door, tracker,
          new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
      int answered = 0;
      int named = 0;
      int invented = 0;
      int citedRelevant = 0;
      int cited = 0;
      int relevant = 0;
      long started = System.nanoTime();
      for (Question q : questions) {
        Chat.Reply reply = agents.chat().take(new Chat.Request(q.text(), false, Optional.empty(), "bench"))
            .toCompletableFuture().get(60, TimeUnit.SECONDS).reply().toCompletableFuture().get(400, TimeUnit.SECONDS);
        System.out.println(model + " | " + q.text() + " -> " + reply.status() + ": " + reply.answer().replace('\n', ' ')
            + " | cites " + reply.citations() + " invented " + reply.invented());
        answered += reply.status().equals("succeeded") ? 1 : 0;
        named += reply.citations().size() + reply.invented().size();
        invented += reply.invented().size();
        cited += reply.citations().size();
        citedRelevant += (int) reply.citations().stream().filter(q.relevant()::contains).count();
        relevant += q.relevant().size();
      }
      double seconds = (System.nanoTime() - started) / 1e9 / questions.size();
      return new Object[] {model, questions.size(), answered, named, invented,
          // an invented id exists nowhere, so it is never relevant: raw precision counts it as a miss
          named == 0 ? "-" : Table.fmt(100.0 * citedRelevant / named) + " %",
          cited == 0 ? "-" : Table.fmt(100.0 * citedRelevant / cited) + " %",
          relevant == 0 ? "-" : Table.fmt(100.0 * citedRelevant / relevant) + " %", Table.fmt(seconds)};
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Two releases with blockers (one behind another, one finished), and 12 questions with their answers. */
  private static List<Question> seed(Tracker tracker) throws Exception {
    String v1 = await(tracker.createProject("v1.0", "the first release", "bench")).id();
    String installer = issue(tracker, "Ship the installer", Optional.of(v1), List.of());
    String notes = issue(tracker, "Write the release notes", Optional.empty(), List.of("v1.0"));
    String crash = issue(tracker, "Crash on start with an empty config", Optional.empty(), List.of("bug"));
    String signing = issue(tracker, "Signed builds", Optional.empty(), List.of());
    String keys = issue(tracker, "A key store for signing", Optional.empty(), List.of());
    String old = issue(tracker, "Old packaging bug", Optional.empty(), List.of("bug"));
    String themes = issue(tracker, "Themes", Optional.empty(), List.of("v2.0"));
    String palette = issue(tracker, "A colour palette", Optional.empty(), List.of());
    await(tracker.addBlocker(installer, crash, OptionalLong.empty()));
    await(tracker.addBlocker(installer, old, OptionalLong.empty()));
    await(tracker.addBlocker(notes, signing, OptionalLong.empty()));
    await(tracker.addBlocker(signing, keys, OptionalLong.empty()));
    await(tracker.addBlocker(themes, palette, OptionalLong.empty()));
    await(tracker.updateIssue(old, new IssueEntity.Changes(Optional.empty(), Optional.empty(),
        Optional.of(IssueStatus.DONE), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), OptionalLong.empty()));
    List<Question> questions = new ArrayList<>();
    questions.add(new Question("What issues are blocking the v1.0 release?", Set.of(crash, signing, keys)));
    questions.add(new Question("What blocks the v2.0 release?", Set.of(palette)));
    questions.add(new Question("Is anything blocking release 3.0?", Set.of()));
    questions.add(new Question("What is issue " + crash + " about?", Set.of(crash)));
    questions.add(new Question("What is blocking issue " + installer + "?", new HashSet<>(Set.of(installer, crash))));
    questions.add(new Question("What is issue " + signing + " about?", Set.of(signing)));
    questions.add(new Question("What blocks issue " + notes + "?", Set.of(notes, signing)));
    questions.add(new Question("What is blocking issue " + themes + "?", Set.of(themes, palette)));
    questions.add(new Question("Is issue " + old + " finished?", Set.of(old)));
    questions.add(new Question("Which issues block the v1.0 release?", Set.of(crash, signing, keys)));
    questions.add(new Question("Does anything block issue " + keys + "?", Set.of(keys)));
    questions.add(new Question("What is issue " + palette + " about?", Set.of(palette)));
    return questions;
  }

  private static String issue(Tracker tracker, String title, Optional<String> project, List<String> labels)
      throws Exception {
    return await(tracker.createIssue(new NewIssue(title, "", Optional.of(Priority.MEDIUM), labels, Optional.empty(),
        project, "bench"))).id();
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}

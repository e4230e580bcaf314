package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.actors.telemetry.LoopbackCollector;
import dev.turboagents.actors.telemetry.LoopbackCollector.ReceivedSpan;
import dev.turboagents.actors.telemetry.Telemetry;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A code job's GenAI spans reach an OTLP collector on loopback: one invoke_agent span per job, a
 * chat span per model turn (made by the inference door, under the job's span) and an execute_tool
 * span per tool call. With telemetry off nothing is exported and no exporter thread runs.
 */
class AgentTracesTest {
  private static final String MODEL = "coder:1b";
  private static final List<String> ANSWERS = List.of(
      call("read_file", "{\"path\":\"App.txt\"}"),
      call("run_tests", "{}"),
      call("edit_file", "{\"path\":\"App.txt\",\"search\":\"wrld\",\"replace\":\"world\"}"),
      call("run_tests", "{}"),
      call("final_answer", "{\"answer\":\"Fixed the typo\"}"));

  @TempDir
  Path repo;

  @TempDir
  Path dataDir;

  private ActorTestKit kit;
  private OllamaStandIn ollama;
  private OllamaBackend backend;
  private LoopbackCollector collector;
  private AgentJobs agents;
  private Tracker tracker;

  @BeforeEach
  void repository() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("Add the greeting").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    collector = LoopbackCollector.start();
  }

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
    if (backend != null) {
      backend.close();
    }
    if (ollama != null) {
      ollama.close();
    }
    collector.close();
  }

  private static String call(String tool, String arguments) {
    return "{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}";
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private Job runJob(boolean telemetry) throws Exception {
    Map<String, Object> all = new HashMap<>(Map.of(
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", MODEL,
        "turbo-agents.agents.wait-check", "100ms",
        "turbo-agents.telemetry.enabled", telemetry,
        "turbo-agents.telemetry.otlp-endpoint", collector.url(),
        "turbo-agents.telemetry.service-name", "traces-test"));
    Settings settings = Settings.forTest(dataDir, all);
    ollama = new OllamaStandIn(List.of(new StandInModel(MODEL, 1L << 30, 16, 4, 64, Duration.ofMillis(50), 500, 0,
        List.of("completion"))), 8L << 30, 2, 0.01).start();
    AtomicInteger asked = new AtomicInteger();
    ollama.script(request -> Script.Answer.text(ANSWERS.get(Math.min(asked.getAndIncrement(), ANSWERS.size() - 1))));
    var inference = StandInSettings.inference(Map.of());
    backend = new OllamaBackend(ollama.url(), inference);
    kit = ActorTestKit.create("traces", settings.config());
    var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
    tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    agents = AgentJobs.start(kit::spawn, kit.system(), settings, AgentSettings.of(settings), door, tracker,
        new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
    String issueId = await(tracker.createIssue(new NewIssue("Fix the greeting", "It says wrld.", Optional.of(Priority.MEDIUM),
        List.of(), Optional.empty(), Optional.empty(), "ada"))).id();
    Job job = await(agents.implement(issueId, Optional.empty(), AgentJobs.BudgetOverride.NONE, "ada"));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!job.status().finished() && System.nanoTime() < until) {
      Thread.sleep(100);
      job = await(agents.job(job.id()));
    }
    assertEquals(JobStatus.SUCCEEDED, job.status(), job.error().orElse("") + " " + job.steps());
    return job;
  }

  /** The job's span ends as its runner's thread leaves, a moment after the job is recorded finished. */
  private ReceivedSpan agentSpan() throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      assertTrue(Telemetry.get(kit.system()).flush(Duration.ofSeconds(10)), "the collector took the spans");
      List<ReceivedSpan> found = collector.spans(s -> s.name().startsWith("invoke_agent"));
      if (!found.isEmpty()) {
        assertEquals(1, found.size(), "one span per job: " + found);
        return found.getFirst();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no invoke_agent span; received " + collector.spans());
  }

  @Test
  void aJobsAgentModelAndToolSpansReachTheCollectorAsOneTrace() throws Exception {
    Job job = runJob(true);
    ReceivedSpan agent = agentSpan();

    assertEquals("invoke_agent code", agent.name());
    assertEquals("invoke_agent", agent.attribute("gen_ai.operation.name"));
    assertEquals("code", agent.attribute("gen_ai.agent.name"));
    assertEquals(job.id(), agent.attribute("gen_ai.conversation.id"));
    assertEquals("", agent.parentSpanId(), "a job is a trace of its own");
    assertEquals("STATUS_CODE_UNSET", agent.status(), "it succeeded");
    assertEquals("traces-test", agent.serviceName());
    assertTrue(collector.contentTypes().stream().allMatch(t -> t.startsWith("application/x-protobuf")), collector.contentTypes().toString());

    List<ReceivedSpan> chats = collector.spans(s -> s.name().startsWith("chat"));
    assertEquals(ANSWERS.size(), chats.size(), "one chat span per model turn: " + chats);
    for (ReceivedSpan chat : chats) {
      assertEquals("chat " + MODEL, chat.name());
      assertEquals(agent.traceId(), chat.traceId(), "the door's span is in the job's trace");
      assertEquals(agent.spanId(), chat.parentSpanId(), "and under the job's span");
      assertEquals("chat", chat.attribute("gen_ai.operation.name"));
      assertEquals(MODEL, chat.attribute("gen_ai.request.model"));
      assertEquals(MODEL, chat.attribute("gen_ai.response.model"));
      assertEquals("agent", chat.attribute("turbo_agents.priority"));
      assertTrue(((Long) chat.attribute("gen_ai.usage.input_tokens")) > 0, chat.attributes().toString());
      assertTrue(((Long) chat.attribute("gen_ai.usage.output_tokens")) > 0, chat.attributes().toString());
      assertEquals(List.of("stop"), chat.attribute("gen_ai.response.finish_reasons"));
      assertTrue(chat.events().contains("gen_ai.request.started"), "marked when it left the queue: " + chat.events());
      assertFalse(chat.attributes().containsKey("error.type"));
    }

    List<ReceivedSpan> tools = collector.spans(s -> s.name().startsWith("execute_tool"));
    assertEquals(List.of("execute_tool read_file", "execute_tool run_tests", "execute_tool edit_file", "execute_tool run_tests"),
        tools.stream().map(ReceivedSpan::name).toList());
    for (ReceivedSpan tool : tools) {
      assertEquals(agent.traceId(), tool.traceId());
      assertEquals(agent.spanId(), tool.parentSpanId());
      assertEquals("execute_tool", tool.attribute("gen_ai.operation.name"));
      assertEquals(tool.name().substring("execute_tool ".length()), tool.attribute("gen_ai.tool.name"));
    }
    assertEquals("tool_failed", tools.get(1).attribute("error.type"), "the tests failed before the fix");
    assertEquals("STATUS_CODE_ERROR", tools.get(1).status());
    assertFalse(tools.get(3).attributes().containsKey("error.type"), "and passed after it");
  }

  @Test
  void offByDefaultNothingIsExportedAndNoExporterThreadRuns() throws Exception {
    runJob(false);
    assertFalse(Telemetry.get(kit.system()).exporting());
    assertTrue(Telemetry.get(kit.system()).flush(Duration.ofSeconds(1)));
    Thread.sleep(300);
    assertEquals(List.of(), collector.spans());
    List<String> exporters = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.contains("BatchSpanProcessor")).toList();
    assertEquals(List.of(), exporters, "no exporter thread while telemetry is off");
  }
}

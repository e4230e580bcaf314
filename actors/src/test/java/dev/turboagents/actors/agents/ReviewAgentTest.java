package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.jobs.TurnKind;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
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
 * Review jobs end to end: the scripted Ollama stand-in, a real temporary git repository with a
 * feature branch, the real tracker, door, tool actors and coordinator, the configured lint and
 * coverage commands run as processes, and a JaCoCo report JaCoCo wrote for exactly this code.
 */
class ReviewAgentTest {
  private static final String MODEL = "reviewer:1b";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GREETING = "src/main/java/demo/Greeting.java";
  private static final String MAIN_VERSION = """
      package demo;

      public final class Greeting {
        public static String greet(String name) {
          if (name == null || name.isBlank()) {
            return "hello, stranger";
          }
          return "hello, " + name;
        }
      }
      """;
  /** The file JaCoCo measured (src/test/resources/coverage/README.md): shout added at lines 10-13. */
  private static final String FEATURE_VERSION = """
      package demo;

      public final class Greeting {
        public static String greet(String name) {
          if (name == null || name.isBlank()) {
            return "hello, stranger";
          }
          return "hello, " + name;
        }

        public static String shout(String name) {
          return greet(name).toUpperCase();
        }
      }
      """;

  @TempDir
  Path repo;

  @TempDir
  Path dataDir;

  private ActorTestKit kit;
  private OllamaStandIn ollama;
  private OllamaBackend backend;
  private Tracker tracker;
  private AgentJobs agents;
  private Settings settings;
  private String issueId;
  private final List<String> answers = new CopyOnWriteArrayList<>();
  private final AtomicInteger asked = new AtomicInteger();
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void repository() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    PersonIdent who = new PersonIdent("Ada", "ada@example.org");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.createDirectories(repo.resolve("src/main/java/demo"));
      Files.writeString(repo.resolve(GREETING), MAIN_VERSION);
      Files.writeString(repo.resolve("README.md"), "# Greeting\n\nSays hello.\n");
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Greet by name").setAuthor(who).setCommitter(who).setSign(false).call();
      git.checkout().setCreateBranch(true).setName("feature").call();
      Files.writeString(repo.resolve(GREETING), FEATURE_VERSION);
      Files.writeString(repo.resolve("README.md"), "# Greeting\n\nSays hello, and shouts it.\n");
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Shout the greeting").setAuthor(who).setCommitter(who).setSign(false).call();
      git.checkout().setName("main").call();
    }
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
  }

  private void start(Map<String, Object> overrides) throws Exception {
    Path report = Path.of(ReviewAgentTest.class.getResource("/coverage/jacoco.xml").toURI());
    Map<String, Object> all = new HashMap<>(Map.of(
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.agents.review-model", MODEL,
        "turbo-agents.agents.wait-check", "100ms",
        "turbo-agents.tools.lint-command", "echo '" + GREETING + ":12: [warning] shout has no Javadoc'; "
            + "echo 'src/other/Noise.java:3: [warning] unrelated'; exit 1",
        "turbo-agents.tools.coverage-command", "mkdir -p target/site/jacoco && cp " + report + " target/site/jacoco/jacoco.xml",
        "turbo-agents.tools.coverage-report", "target/site/jacoco/jacoco.xml"));
    all.putAll(overrides);
    settings = Settings.forTest(dataDir, all);
    ollama = new OllamaStandIn(List.of(new StandInModel(MODEL, 1L << 30, 16, 4, 64, Duration.ofMillis(50), 500, 0,
        List.of("completion"))), 8L << 30, 2, 0.01).start();
    ollama.script(request -> {
      requests.add(request.body());
      int n = asked.getAndIncrement();
      return Script.Answer.text(n < answers.size() ? answers.get(n) : answers.getLast());
    });
    startDaemon();
    issueId = await(tracker.createIssue(new NewIssue("Shout the greeting", "Add Greeting.shout.", Optional.of(Priority.MEDIUM),
        List.of(), Optional.empty(), Optional.empty(), "ada"))).id();
  }

  private void startDaemon() {
    var inference = StandInSettings.inference(Map.of());
    backend = new OllamaBackend(ollama.url(), inference);
    kit = ActorTestKit.create("review", settings.config());
    var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
    tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    agents = AgentJobs.start(kit::spawn, kit.system(), settings, AgentSettings.of(settings), door, tracker,
        new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
  }

  private static String call(String tool, String arguments) {
    return "{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}";
  }

  private static String finding(int line, String severity, String focus, String message) {
    return "{\"file\":\"" + GREETING + "\",\"line\":" + line + ",\"severity\":\"" + severity + "\",\"focus\":\"" + focus
        + "\",\"message\":\"" + message + "\"}";
  }

  private static String review(String summary, String... findings) {
    return call("final_answer", "{\"summary\":\"" + summary + "\",\"findings\":[" + String.join(",", findings) + "]}");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private Job finished(Job job) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Job now = job;
    while (!now.status().finished() && System.nanoTime() < until) {
      Thread.sleep(100);
      now = await(agents.job(job.id()));
    }
    assertTrue(now.status().finished(), "job still " + now.status() + ": " + now.steps());
    return now;
  }

  private static List<JobEntity.ToolCalled> toolCalls(Job job) {
    return job.steps().stream().filter(JobEntity.ToolCalled.class::isInstance).map(JobEntity.ToolCalled.class::cast).toList();
  }

  private static List<JobEntity.ModelTurned> turns(Job job) {
    return job.steps().stream().filter(JobEntity.ModelTurned.class::isInstance).map(JobEntity.ModelTurned.class::cast).toList();
  }

  private List<Comment> comments() throws Exception {
    return await(tracker.comments(issueId));
  }

  @Test
  void aBranchIsReviewedWithFindingsOnRealLinesAndAnInventedOneDropped() throws Exception {
    answers.addAll(List.of(
        call("get_diff", "{\"pr_id\":\"feature\"}"),
        call("check_tests_coverage", "{}"),
        call("lint_code", "{\"files\":[\"" + GREETING + "\"]}"),
        // a focus the request did not ask for breaks the answer schema: corrected, not accepted
        review("Shout is untested", finding(12, "major", "security", "no test runs shout")),
        review("Shout is untested",
            finding(12, "major", "tests", "no test runs shout: add one for a name and for a blank name"),
            finding(11, "minor", "correctness", "shout of a blank name shouts HELLO, STRANGER: intended?"),
            finding(5, "critical", "correctness", "invented: line 5 is not part of this change"))));
    start(Map.of());
    Job job = finished(await(agents.review(new ReviewTarget.Branch("feature"),
        List.of(ReviewFindings.Focus.TESTS, ReviewFindings.Focus.CORRECTNESS), Optional.of(issueId),
        AgentJobs.BudgetOverride.NONE, "ada")));

    assertEquals(JobStatus.SUCCEEDED, job.status(), job.error().orElse(""));
    assertEquals(Optional.of(issueId), job.issueId());
    assertTrue(job.branch().isEmpty() && job.commit().isEmpty(), "a review commits nothing");

    List<JobEntity.ToolCalled> calls = toolCalls(job);
    assertEquals(List.of("get_diff", "check_tests_coverage", "lint_code"), calls.stream().map(JobEntity.ToolCalled::tool).toList());
    assertTrue(calls.get(0).result().contains("modified " + GREETING + ": lines 10-13"), calls.get(0).result());
    assertTrue(calls.get(0).result().contains("modified README.md: lines 3"), calls.get(0).result());
    assertTrue(calls.get(0).result().contains("+    return greet(name).toUpperCase();"), "the unified diff: " + calls.get(0).result());
    String coverage = calls.get(1).result();
    assertEquals("ok", calls.get(1).outcome(), coverage);
    assertTrue(coverage.contains("jacoco report: 40.0 % of 5 lines covered"), coverage);
    assertTrue(coverage.contains(GREETING + ": 2 lines covered, 3 missed; touched lines no test runs: 12"), coverage);
    assertTrue(coverage.contains("README.md: not in the report"), coverage);
    String lint = calls.get(2).result();
    assertTrue(lint.contains(GREETING + ":12: [warning] shout has no Javadoc"), lint);
    assertFalse(lint.contains("Noise.java"), "only what the linter said about the files asked for: " + lint);

    List<JobEntity.ModelTurned> turns = turns(job);
    assertEquals(TurnKind.INVALID, turns.get(3).kind());
    assertTrue(turns.get(3).correction().orElseThrow().contains("focus"), turns.get(3).correction().orElseThrow());
    assertEquals(TurnKind.REPAIRED, turns.get(4).kind());
    JsonNode format = requests.getFirst().path("format");
    assertTrue(format.toString().contains("[\"critical\",\"major\",\"minor\",\"info\"]"), "severities in the schema: " + format);
    assertTrue(format.toString().contains("[\"tests\",\"correctness\"]"), "the requested focus in the schema: " + format);
    String task = requests.getFirst().path("messages").toString();
    assertTrue(task.contains("lines 10-13") && task.contains("Shout the greeting"), "the task has the diff and the issue");

    JsonNode output = JSON.readTree(job.output().orElseThrow());
    assertEquals(2, output.path("findings").size(), output.toString());
    assertEquals(12, output.path("findings").get(0).path("line").asInt());
    assertEquals("tests", output.path("findings").get(0).path("focus").asText());
    assertEquals("major", output.path("findings").get(0).path("severity").asText());
    assertEquals(GREETING, output.path("findings").get(1).path("file").asText());
    assertEquals(1, output.path("dropped_findings").asInt(), "the invented line 5 was dropped and counted");
    assertEquals(5, output.path("dropped").get(0).path("line").asInt());
    try (Git git = Git.open(repo.toFile())) {
      assertEquals(git.getRepository().resolve("feature").getName(), output.path("tip").asText());
      assertEquals(git.getRepository().resolve("main").getName(), output.path("base").asText(), "the merge base with main");
    }

    List<Comment> comments = comments();
    assertEquals(1, comments.size(), "one comment on the linked issue");
    String comment = comments.getFirst().text();
    assertTrue(comment.contains("Review of branch feature") && comment.contains("`" + GREETING + ":12`")
        && comment.contains("`" + GREETING + ":11`") && !comment.contains(":5`") && comment.contains("1 more findings were dropped"),
        comment);
    assertEquals("agent:review", comments.getFirst().author());
  }

  @Test
  void aCodeJobsBranchIsReviewedAcrossARestartAndCommentedOnce() throws Exception {
    // the feature branch stands in for a code job's delivered branch agents/<job-id>
    start(Map.of("turbo-agents.tools.coverage-command", "touch " + dataDir.resolve("coverage-started") + " && sleep 3 && "
        + "mkdir -p target/site/jacoco && cp " + Path.of(ReviewAgentTest.class.getResource("/coverage/jacoco.xml").toURI())
        + " target/site/jacoco/jacoco.xml"));
    answers.addAll(List.of(
        call("check_tests_coverage", "{}"),
        review("Fine but untested", finding(12, "major", "tests", "shout is not run by a test"))));
    Job code = await(agents.submit(CodeAgent.NAME, Optional.of(issueId), Optional.empty(), Optional.empty(),
        new AgentJobs.BudgetOverride(Optional.of(1), Optional.empty(), Optional.empty()), "ada"));
    await(agents.cancel(code.id(), "the test"));
    try (Git git = Git.open(repo.toFile())) {
      git.branchCreate().setName(Workspace.branch(code.id())).setStartPoint("feature").call();
    }
    Job job = await(agents.review(new ReviewTarget.JobBranch(code.id()), List.of(), Optional.empty(),
        AgentJobs.BudgetOverride.NONE, "ada"));
    assertEquals(Optional.of(issueId), job.issueId(), "linked to the code job's issue");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(dataDir.resolve("coverage-started")) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(dataDir.resolve("coverage-started")), "the coverage command started");
    kit.shutdownTestKit();
    backend.close();
    startDaemon();

    Job done = finished(await(agents.job(job.id())));
    assertEquals(JobStatus.SUCCEEDED, done.status(), done.error().orElse(""));
    assertEquals(2, asked.get(), "the recorded turn was not asked again");
    assertEquals(1, JSON.readTree(done.output().orElseThrow()).path("findings").size());
    assertEquals(1, comments().size(), "one comment");

    // a resume that runs the finish again (the crash came after the comment, before the job's end) adds nothing
    Workspace workspace = Workspace.open(settings.tools().workspace(), dataDir).orElseThrow();
    ReviewAgent again = ReviewAgent.of(MODEL, List.of(), workspace, tracker, new PromptTemplates(Optional.empty()),
        Duration.ofSeconds(10), new PastDecisions(new CompletableFuture<>(), Duration.ofSeconds(1), 8), done);
    Agent.Finish repeated = again.finish(done, JSON.readTree(answers.getLast()).path("arguments").toString(), 2);
    assertInstanceOf(Agent.Finish.Succeeded.class, repeated);
    assertEquals(1, comments().size(), "still one comment");
    assertTrue(comments().getFirst().text().contains("Review of job " + code.id()), comments().getFirst().text());
  }

  @Test
  void requestsThatCannotBeReviewedAreRefusedNamingTheField() throws Exception {
    answers.add(review("nothing"));
    start(Map.of());
    assertRefused(JobRefusal.Kind.NOT_FOUND, "branch", () -> agents.review(new ReviewTarget.Branch("no-such-branch"),
        List.of(), Optional.empty(), AgentJobs.BudgetOverride.NONE, "ada"));
    assertRefused(JobRefusal.Kind.NOT_FOUND, "range", () -> agents.review(new ReviewTarget.Range("main", "nope~3"),
        List.of(), Optional.empty(), AgentJobs.BudgetOverride.NONE, "ada"));
    assertRefused(JobRefusal.Kind.NOT_FOUND, "pr_id", () -> agents.review(new ReviewTarget.JobBranch("no-such-job"),
        List.of(), Optional.empty(), AgentJobs.BudgetOverride.NONE, "ada"));
    assertRefused(JobRefusal.Kind.NOT_FOUND, "issue_id", () -> agents.review(new ReviewTarget.Branch("feature"),
        List.of(), Optional.of("no-such-issue"), AgentJobs.BudgetOverride.NONE, "ada"));
    // a range of the workspace is fine: main..feature is the feature commit
    Job job = finished(await(agents.review(ReviewTarget.Range.parse("main..feature").orElseThrow(), List.of(),
        Optional.empty(), AgentJobs.BudgetOverride.NONE, "ada")));
    assertEquals(JobStatus.SUCCEEDED, job.status(), job.error().orElse(""));
    assertEquals(0, JSON.readTree(job.output().orElseThrow()).path("findings").size());
    assertTrue(comments().isEmpty(), "no linked issue, no comment");
    assertTrue(ReviewTarget.Range.parse("main...feature").isEmpty() && ReviewTarget.Range.parse("..x").isEmpty()
        && ReviewTarget.Range.parse("x").isEmpty());
  }

  @Test
  void withoutAWorkspaceAReviewIsRefusedNamingTheFlag() throws Exception {
    answers.add(review("nothing"));
    start(Map.of("turbo-agents.workspace.path", ""));
    assertRefused(JobRefusal.Kind.UNCONFIGURED, "--workspace", () -> agents.review(new ReviewTarget.Branch("feature"),
        List.of(), Optional.empty(), AgentJobs.BudgetOverride.NONE, "ada"));
  }

  private static void assertRefused(JobRefusal.Kind kind, String field, java.util.concurrent.Callable<CompletionStage<Job>> request)
      throws Exception {
    try {
      Job job = await(request.call());
      throw new AssertionError("not refused: " + job);
    } catch (ExecutionException e) {
      JobRefusal refusal = assertInstanceOf(JobRefusal.class, e.getCause());
      assertEquals(kind, refusal.kind(), refusal.getMessage());
      assertEquals(field, refusal.field(), refusal.getMessage());
    }
  }
}

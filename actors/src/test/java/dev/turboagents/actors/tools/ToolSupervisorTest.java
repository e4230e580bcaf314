package dev.turboagents.actors.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.issues.LocalIssueTracker;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.process.ProcessRunner;
import dev.turboagents.actors.tools.process.ScrubbedEnvironment;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.Settings;
import dev.turboagents.config.ToolSettings;
import dev.turboagents.persistence.TestJournal;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tool actors on a real git checkout and a real tracker: permissions, containment, once-only comments, crashes. */
class ToolSupervisorTest {

  @TempDir
  Path repo;

  @TempDir
  Path dataDir;

  private ActorTestKit kit;
  private Tracker tracker;
  private JobCheckout checkout;
  private ActorRef<ToolSupervisor.Command> tools;
  private String issueId;
  private final AtomicInteger crashes = new AtomicInteger(1);

  @BeforeEach
  void start() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    Settings settings = Settings.forTest(dataDir, Map.of("turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt"));
    kit = ActorTestKit.create("tools", settings.config());
    tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    issueId = tracker.createIssue(new NewIssue("Fix the greeting", "it says wrld", Optional.of(Priority.MEDIUM), List.of(),
        Optional.empty(), Optional.empty(), "ada")).toCompletableFuture().get(15, TimeUnit.SECONDS).id();
    ToolSettings ts = settings.tools();
    checkout = Workspace.open(ts.workspace(), dataDir).orElseThrow().checkout("job-1");
    ProcessRunner runner = new ProcessRunner(ts.commands(), ScrubbedEnvironment.ofDaemon(List.of()), dataDir.resolve("scratch"));
    List<AgentTool> all = new ArrayList<>(new CodeTools(ts, runner, tracker, new CompletableFuture<Graph>(),
        new CompletableFuture<CodeIndex>(), Duration.ofMillis(200)).all());
    all.addAll(new IssueTools(new LocalIssueTracker(tracker), new CompletableFuture<Graph>(), List.of("bug", "docs"), 5,
        Duration.ofSeconds(5)).all());
    all.add(crashingOnce());
    var policy = new ToolPolicy(Map.of("code", java.util.Set.of("read_file", "write_file", "edit_file", "list_files",
        "search_codebase", "run_tests", "git_diff", "add_comment", "flaky"), "chat", java.util.Set.of("read_file"),
        "issue", java.util.Set.copyOf(ToolPolicy.ISSUE_TOOLS)));
    tools = kit.spawn(ToolSupervisor.create(new ToolSupervisor.ToolBox(all, policy), 2, Duration.ofMillis(50),
        Duration.ofMillis(200)), "tools");
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private AgentTool crashingOnce() {
    ToolSpec spec = new ToolSpec("flaky", "crashes on its first call", JsonSchema.ANY);
    return new AgentTool() {
      public ToolSpec spec() {
        return spec;
      }

      public ToolResult run(JsonObject arguments, ToolContext context) {
        if (crashes.getAndDecrement() > 0) {
          throw new IllegalStateException("boom");
        }
        return new ToolResult.Ok("fine now");
      }
    };
  }

  private ToolResult call(String agent, String tool, String arguments) {
    var probe = kit.<ToolResult>createTestProbe();
    tools.tell(new ToolSupervisor.Call(new ToolCall(Optional.empty(), tool, new JsonObject(arguments)),
        new ToolContext("job-1", 3, agent, Optional.of(issueId), Optional.of(checkout)), probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(30));
  }

  @Test
  void fileToolsWorkInTheJobsCheckoutOnly() {
    assertEquals(new ToolResult.Ok("hello wrld\n"), call("code", "read_file", "{\"path\":\"App.txt\"}"));
    assertInstanceOf(ToolResult.Ok.class, call("code", "edit_file",
        "{\"path\":\"App.txt\",\"search\":\"wrld\",\"replace\":\"world\"}"));
    assertTrue(call("code", "git_diff", "{}").text().contains("+hello world"));
    assertTrue(call("code", "list_files", "{\"directory\":\"\"}").text().contains("App.txt"));
    assertInstanceOf(ToolResult.Refused.class, call("code", "read_file", "{\"path\":\"/etc/passwd\"}"));
    assertInstanceOf(ToolResult.Refused.class, call("code", "write_file", "{\"path\":\"../outside.txt\",\"content\":\"x\"}"));
    assertInstanceOf(ToolResult.Refused.class, call("code", "write_file",
        "{\"path\":\".git/hooks/pre-commit\",\"content\":\"#!/bin/sh\\nrm -rf ~\"}"));
    assertFalse(Files.exists(repo.getParent().resolve("outside.txt")));
    assertFalse(Files.exists(checkout.directory().resolve(".git/hooks/pre-commit")));
  }

  @Test
  void theRunTestsToolRunsTheConfiguredCommand() {
    ToolResult before = call("code", "run_tests", "{}");
    assertInstanceOf(ToolResult.Failed.class, before);
    assertTrue(before.text().contains("exit code 1"), before.text());
    call("code", "write_file", "{\"path\":\"App.txt\",\"content\":\"hello world\\n\"}");
    assertInstanceOf(ToolResult.Ok.class, call("code", "run_tests", "{}"));
  }

  @Test
  void thePolicyDecidesWhichToolsAnAgentMayUse() {
    ToolResult refused = call("chat", "write_file", "{\"path\":\"a\",\"content\":\"b\"}");
    assertEquals("the chat agent may not use 'write_file'; its tools are [read_file]", refused.text());
    ToolResult invented = call("code", "shell", "{}");
    assertInstanceOf(ToolResult.Refused.class, invented);
    assertTrue(invented.text().startsWith("the code agent may not use 'shell'"), invented.text());
  }

  @Test
  void codeSearchWithoutTheIndexIsATypedFailure() {
    ToolResult result = call("code", "search_codebase", "{\"query\":\"greeting\"}");
    assertInstanceOf(ToolResult.Failed.class, result);
    assertTrue(result.text().startsWith("code search unavailable"), result.text());
  }

  @Test
  void aCommentIsWrittenOncePerKeyAndOnlyOnTheJobsIssue() throws Exception {
    String arguments = "{\"issue_id\":\"" + issueId + "\",\"text\":\"working on it\"}";
    assertInstanceOf(ToolResult.Ok.class, call("code", "add_comment", arguments));
    assertInstanceOf(ToolResult.Ok.class, call("code", "add_comment", arguments));
    assertEquals(1, tracker.comments(issueId).toCompletableFuture().get(10, TimeUnit.SECONDS).size(),
        "a repeated call with the same job and step finds the first comment");
    assertInstanceOf(ToolResult.Refused.class, call("code", "add_comment", "{\"issue_id\":\"other\",\"text\":\"x\"}"));
  }

  @Test
  void aCrashingToolAnswersWithATypedFailureAndIsRestarted() {
    ToolResult crashed = call("code", "flaky", "{}");
    assertInstanceOf(ToolResult.Failed.class, crashed);
    assertTrue(crashed.text().contains("crashed"), crashed.text());
    ToolResult after = null;
    for (int i = 0; i < 20 && !(after instanceof ToolResult.Ok); i++) {
      after = call("code", "flaky", "{}");
    }
    assertEquals(new ToolResult.Ok("fine now"), after);
  }

  @Test
  void theIssueToolsKeepToTheLabelSetAndWriteOncePerKey() throws Exception {
    String other = tracker.createIssue(new NewIssue("Docs are thin", "explain the setup", Optional.of(Priority.LOW),
        List.of("ux"), Optional.empty(), Optional.empty(), "ada")).toCompletableFuture().get(15, TimeUnit.SECONDS).id();
    ToolResult invented = call("issue", "update_issue", "{\"id\":\"" + issueId + "\",\"data\":{\"labels\":[\"urgent\"]}}");
    assertInstanceOf(ToolResult.Refused.class, invented);
    assertTrue(invented.text().contains("[urgent]") && invented.text().contains("[bug, docs, ux]"), invented.text());
    assertEquals(List.of(), tracker.issue(issueId).toCompletableFuture().get(15, TimeUnit.SECONDS).issue().labels(),
        "a refused label changes nothing");

    ToolResult set = call("issue", "update_issue", "{\"id\":\"" + issueId + "\",\"data\":{\"labels\":[\"ux\",\"bug\"],"
        + "\"priority\":\"high\"}}");
    assertInstanceOf(ToolResult.Ok.class, set, set.text());
    var issue = tracker.issue(issueId).toCompletableFuture().get(15, TimeUnit.SECONDS).issue();
    assertEquals(List.of("bug", "ux"), issue.labels());
    assertEquals(Priority.HIGH, issue.priority());

    // the issue agent comments on any issue of the tracker, once per job/step
    assertInstanceOf(ToolResult.Ok.class, call("issue", "add_comment", "{\"issue_id\":\"" + other + "\",\"text\":\"see docs\"}"));
    assertInstanceOf(ToolResult.Ok.class, call("issue", "add_comment", "{\"issue_id\":\"" + other + "\",\"text\":\"see docs\"}"));
    assertEquals(1, tracker.comments(other).toCompletableFuture().get(15, TimeUnit.SECONDS).size());

    tracker.addBlocker(issueId, other, java.util.OptionalLong.empty()).toCompletableFuture().get(15, TimeUnit.SECONDS);
    ToolResult deps = call("issue", "get_issue_dependencies", "{\"id\":\"" + issueId + "\"}");
    assertTrue(deps.text().contains("blocked by: " + other), deps.text());
    assertInstanceOf(ToolResult.Refused.class, call("issue", "get_issue_dependencies", "{\"id\":\"no-such\"}"));
    assertInstanceOf(ToolResult.Failed.class, call("issue", "search_similar_issues", "{\"description\":\"docs\"}"),
        "no graph: a typed failure");
    assertInstanceOf(ToolResult.Refused.class, call("issue", "read_file", "{\"path\":\"App.txt\"}"),
        "the issue agent has no file tools");
  }
}

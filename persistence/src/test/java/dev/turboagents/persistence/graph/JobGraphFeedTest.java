package dev.turboagents.persistence.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;

/**
 * Agent jobs feed the graph: job entities on the real LevelDB journal, projected into the
 * in-process Neo4j. A code job becomes Job, Commit and File nodes with their edges; a triage-like
 * job's decision lands on its job and its issue; past decisions are found from a related issue.
 */
class JobGraphFeedTest {
  @TempDir Path dir;
  ActorTestKit kit;
  EmbeddedNeo4j neo4j;
  GraphConnection connection;

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
    if (connection != null) {
      connection.close();
    }
    if (neo4j != null) {
      neo4j.close();
    }
  }

  @Test
  void jobsTheirCommitsFilesAndDecisionsAreProjectedAndPastDecisionsFound() throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.graph.projection-batch-window", "50ms"));
    kit = ActorTestKit.create("job-graph", settings.config());
    Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 64L * 1024 * 1024);
    connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), settings.graph());
    GraphStore store = new GraphStore(connection.driver(), new MiniLmEmbedder(), settings.graph().queryTimeout());
    kit.spawn(GraphProjection.create(store, tracker.journal(), settings.graph()));
    GraphSearch search = new GraphSearch(connection.driver(), store.embedder(), settings.graph());

    Issue greeting = await(tracker.createIssue(issue("The greeting says wrld")));
    Issue release = await(tracker.createIssue(issue("Release 1.0 needs a correct greeting")));
    Issue unrelated = await(tracker.createIssue(issue("Dark mode for the settings page")));
    await(tracker.addBlocker(release.id(), greeting.id(), OptionalLong.empty()));

    String sha = "3f2a9c1d5e6b7a8f9012345678901234567890ab";
    ActorRef<JobEntity.Command> code = kit.spawn(JobEntity.create("j-code", 100));
    ask(code, r -> new JobEntity.Accept("code", Optional.of(greeting.id()), Optional.of("a one-word fix"), Optional.empty(),
        "ada", new JobBudget(10, Duration.ofMinutes(5), 1000), r));
    ask(code, JobEntity.MarkRunning::new);
    ask(code, r -> new JobEntity.Succeed("Fixed the typo in the greeting", Optional.of("""
        {"files": ["App.txt", "docs/greeting.md"],
         "decisions": [{"issue_id": "%s", "title": "Implemented on agents/j-code", "text": "Fixed the typo: wrld is world"}]}
        """.formatted(greeting.id())), Optional.of("agents/j-code"), Optional.of(sha), r));

    ActorRef<JobEntity.Command> triage = kit.spawn(JobEntity.create("j-triage", 100));
    ask(triage, r -> new JobEntity.Accept("issue", Optional.empty(), Optional.empty(), Optional.of("{\"batch\":\"new_issues\"}"),
        "http", new JobBudget(10, Duration.ofMinutes(5), 1000), r));
    ask(triage, r -> new JobEntity.Succeed("Triaged 2 issues", Optional.of("""
        {"decisions": [{"issue_id": "%s", "title": "Triage: priority high", "text": "It blocks the release"},
                       {"issue_id": "%s", "title": "Triage: label ui", "text": "A settings page feature"}]}
        """.formatted(release.id(), unrelated.id())), Optional.empty(), Optional.empty(), r));

    ActorRef<JobEntity.Command> failed = kit.spawn(JobEntity.create("j-failed", 100));
    ask(failed, r -> new JobEntity.Accept("code", Optional.of(unrelated.id()), Optional.empty(), Optional.empty(),
        "ada", new JobBudget(10, Duration.ofMinutes(5), 1000), r));
    ask(failed, r -> new JobEntity.Fail("quality gate: the tests failed", r));

    List<String> graph = Eventually.value(Duration.ofSeconds(60), () -> {
      List<String> now = store.dump();
      assertTrue(now.contains("decision:j-triage/2 -DECIDED_IN-> issue:" + unrelated.id()), now.toString());
      // the failed job's node exists from its acceptance on; wait for its failure too (its id says "failed" already)
      assertEquals(Optional.of("quality gate: the tests failed"),
          store.entity(new EntityRef(EntityType.JOB, "j-failed")).map(e -> e.get("text")));
      return now;
    });
    assertContains(graph, "job:j-code -WORKS_ON-> issue:" + greeting.id());
    assertContains(graph, "job:j-code -PRODUCED-> commit:" + sha);
    assertContains(graph, "job:j-code -TOUCHES-> file:App.txt");
    assertContains(graph, "job:j-code -TOUCHES-> file:docs/greeting.md");
    assertContains(graph, "commit:" + sha + " -TOUCHES-> file:App.txt");
    assertContains(graph, "commit:" + sha + " -TOUCHES-> file:docs/greeting.md");
    assertContains(graph, "decision:j-code/1 -DECIDED_IN-> job:j-code");
    assertContains(graph, "decision:j-code/1 -DECIDED_IN-> issue:" + greeting.id());
    assertContains(graph, "decision:j-triage/1 -DECIDED_IN-> job:j-triage");
    assertContains(graph, "decision:j-triage/1 -DECIDED_IN-> issue:" + release.id());
    assertContains(graph, "job:j-failed -WORKS_ON-> issue:" + unrelated.id());
    assertTrue(graph.stream().noneMatch(l -> l.startsWith("job:j-triage -WORKS_ON->")), "a batch job works on no one issue");
    Map<String, Object> job = store.entity(new EntityRef(EntityType.JOB, "j-code")).orElseThrow();
    assertEquals("succeeded", job.get("status"));
    assertEquals("Fixed the typo in the greeting", job.get("text"));
    assertEquals("quality gate: the tests failed", store.entity(new EntityRef(EntityType.JOB, "j-failed")).orElseThrow().get("text"));
    assertEquals("Fixed the typo in the greeting", store.entity(new EntityRef(EntityType.COMMIT, sha)).orElseThrow().get("title"));

    // the next task on the release issue learns from its own triage and from the fix of the issue blocking it
    List<PastDecision> past = search.pastDecisions(release.id(), 10);
    assertEquals(List.of("j-triage/1", "j-code/1"), past.stream().map(PastDecision::id).toList(), past.toString());
    assertEquals("this issue", past.get(0).via());
    assertEquals(Optional.of("j-triage"), past.get(0).jobId());
    assertEquals(greeting.id(), past.get(1).issueId());
    assertEquals("<BLOCKS", past.get(1).via(), "the greeting issue blocks the release");
    assertEquals("Fixed the typo: wrld is world", past.get(1).text());
    List<PastDecision> onGreeting = search.pastDecisions(greeting.id(), 10);
    assertEquals(List.of("j-code/1", "j-triage/1"), onGreeting.stream().map(PastDecision::id).toList(),
        "its own fix first, then the triage of the issue it blocks; never the triage of the unrelated issue");
    assertEquals("BLOCKS>", onGreeting.get(1).via());
    assertEquals(List.of(), search.pastDecisions("no-such-issue", 10));
  }

  private static void assertContains(List<String> graph, String line) {
    assertTrue(graph.contains(line), "missing " + line + " in " + graph);
  }

  private Job ask(ActorRef<JobEntity.Command> entity, Function<ActorRef<StatusReply<Job>>, JobEntity.Command> command)
      throws Exception {
    return AskPattern.askWithStatus(entity, command::apply, Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture()
        .get(15, TimeUnit.SECONDS);
  }

  private static NewIssue issue(String title) {
    return new NewIssue(title, "Reported: " + title.toLowerCase(), Optional.of(Priority.HIGH), List.of("bug"),
        Optional.empty(), Optional.empty(), "alice");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}

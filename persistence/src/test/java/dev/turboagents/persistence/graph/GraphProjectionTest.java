package dev.turboagents.persistence.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;

/**
 * The projection from the real tracker (LevelDB journal in a temp dir) into the daemon's in-process
 * Neo4j through the driver: the graph follows the journal, a rebuild gives the same graph, a restart
 * resumes after the stored offset, and Neo4j going away pauses the projection without stopping the
 * tracker; it catches up when Neo4j is back.
 */
class GraphProjectionTest {
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
  void followsTheJournalRebuildsResumesAndWaitsOutNeo4jOutages() throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of(
        "turbo-agents.graph.projection-min-backoff", "200ms",
        "turbo-agents.graph.projection-max-backoff", "1s",
        "turbo-agents.graph.projection-batch-window", "50ms"));
    kit = ActorTestKit.create("graph-projection", settings.config());
    Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 64L * 1024 * 1024);
    int port = neo4j.boltPort();
    connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), settings.graph());
    GraphStore store = new GraphStore(connection.driver(), new MiniLmEmbedder(), settings.graph().queryTimeout());
    ActorRef<GraphProjection.Command> projection = kit.spawn(GraphProjection.create(store, tracker.journal(), settings.graph()));

    Project kite = await(tracker.createProject("Kite", "Team workspace", "alice"));
    Issue upload = await(tracker.createIssue(issue("Uploads over 2 GB fail with 413", Optional.of(kite.id()))));
    Issue resumable = await(tracker.createIssue(issue("Resumable uploads for large files", Optional.of(kite.id()))));
    Issue again = await(tracker.createIssue(issue("Big videos cannot be uploaded", Optional.empty())));
    await(tracker.comment(upload.id(), "Needs #" + resumable.id() + " first", "bob"));
    await(tracker.addBlocker(upload.id(), resumable.id(), OptionalLong.empty()));
    await(tracker.markDuplicate(again.id(), upload.id(), OptionalLong.empty()));
    await(tracker.updateIssue(resumable.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    await(tracker.updateIssue(again.id(), project(kite.id()), OptionalLong.empty()));
    await(tracker.updateIssue(again.id(), project(""), OptionalLong.empty()));

    GraphProjection.Status caughtUp = awaitStatus(projection, s -> s.lag() == 0 && s.offsets().size() == 2);
    assertEquals(GraphProjection.Phase.RUNNING, caughtUp.phase());
    List<String> graph = store.dump();
    assertContains(graph, "issue:" + upload.id() + " -IN_PROJECT-> project:" + kite.id());
    assertContains(graph, "issue:" + resumable.id() + " -BLOCKS-> issue:" + upload.id());
    assertContains(graph, "issue:" + again.id() + " -DUPLICATE_OF-> issue:" + upload.id());
    assertTrue(graph.stream().anyMatch(l -> l.matches("comment:\\S+ -ON-> issue:" + upload.id())), graph.toString());
    assertTrue(graph.stream().anyMatch(l -> l.matches("comment:\\S+ -MENTIONS-> issue:" + resumable.id())), graph.toString());
    assertEquals("in_progress", store.entity(EntityRef.issue(resumable.id())).orElseThrow().get("status"));
    assertEquals("closed", store.entity(EntityRef.issue(again.id())).orElseThrow().get("status"));
    assertTrue(graph.stream().noneMatch(l -> l.startsWith("issue:" + again.id() + " -IN_PROJECT->")), "left the project again");
    assertEquals(null, store.entity(EntityRef.issue(again.id())).orElseThrow().get("project"));
    GraphSearch search = new GraphSearch(connection.driver(), store.embedder(), settings.graph());
    assertEquals("issue:" + upload.id(), search.search(SearchQuery.of("upload of a 3 GB file rejected: payload too large", 1, 0))
        .getFirst().entity().key());

    // a full rebuild from the journal is one command and gives the same graph
    StatusReply<Done> rebuilt = AskPattern.<GraphProjection.Command, StatusReply<Done>>ask(projection,
        GraphProjection.Rebuild::new, Duration.ofSeconds(30), kit.scheduler()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(rebuilt.isSuccess(), rebuilt.toString());
    awaitStatus(projection, s -> s.lag() == 0 && s.offsets().size() == 2 && s.projectedEvents() > 0);
    assertEquals(graph, store.dump(), "rebuilding from the journal changes nothing");

    // a new projection resumes after the stored offsets: only the new events are written
    kit.stop(projection);
    Issue later = await(tracker.createIssue(issue("Thumbnails missing for HEIC photos", Optional.of(kite.id()))));
    ActorRef<GraphProjection.Command> resumed = kit.spawn(GraphProjection.create(store, tracker.journal(), settings.graph()));
    GraphProjection.Status afterRestart = awaitStatus(resumed, s -> s.lag() == 0 && s.offsets().size() == 2 && s.projectedEvents() > 0);
    assertEquals(1, afterRestart.projectedEvents(), "only the event written while it was stopped");
    assertTrue(store.entity(EntityRef.issue(later.id())).isPresent());

    // Neo4j goes away: the tracker keeps working, the projection retries with backoff ...
    neo4j.close();
    neo4j = null;
    Issue whileDown = await(tracker.createIssue(issue("Calendar invites off by one hour after DST", Optional.of(kite.id()))));
    await(tracker.comment(whileDown.id(), "Seen in Berlin and Lisbon", "carol"));
    GraphProjection.Status paused = awaitStatus(resumed, s -> s.phase() == GraphProjection.Phase.RETRYING && s.lag() == 2);
    assertTrue(paused.lastError().isPresent());

    // ... and catches up once it is back on the same port
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), port, 64L * 1024 * 1024);
    assertEquals(URI.create("bolt://127.0.0.1:" + port), neo4j.boltUri());
    awaitStatus(resumed, s -> s.phase() == GraphProjection.Phase.RUNNING && s.lag() == 0);
    assertEquals("Calendar invites off by one hour after DST",
        store.entity(EntityRef.issue(whileDown.id())).orElseThrow().get("title"));
    assertTrue(store.dump().stream().anyMatch(l -> l.matches("comment:\\S+ -ON-> issue:" + whileDown.id())));
  }

  private GraphProjection.Status awaitStatus(ActorRef<GraphProjection.Command> projection,
      Predicate<GraphProjection.Status> wanted) {
    return Eventually.value(Duration.ofSeconds(90), () -> {
      GraphProjection.Status status = AskPattern.<GraphProjection.Command, GraphProjection.Status>ask(projection,
          GraphProjection.GetStatus::new, Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().join();
      if (!wanted.test(status)) {
        throw new AssertionError("projection not in the expected state yet: " + status);
      }
      return status;
    });
  }

  private static long writerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("graph-projection-writer")).count();
  }

  private static int jvmThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  @Test
  void aRestartReleasesTheStreamAndTheWriterThreadAndTheGraphStillFollowsTheJournal() throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of(
        "turbo-agents.graph.projection-min-backoff", "100ms",
        "turbo-agents.graph.projection-max-backoff", "500ms",
        "turbo-agents.graph.projection-batch-window", "50ms"));
    kit = ActorTestKit.create("graph-projection-restart", settings.config());
    Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 64L * 1024 * 1024);
    connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), settings.graph());
    GraphStore store = new GraphStore(connection.driver(), new MiniLmEmbedder(), settings.graph().queryTimeout());
    // the strategy GraphSupervisor gives it
    ActorRef<GraphProjection.Command> projection = kit.spawn(Behaviors.supervise(
        GraphProjection.create(store, tracker.journal(), settings.graph())).onFailure(SupervisorStrategy.restartWithBackoff(
        settings.graph().projectionMinBackoff(), settings.graph().projectionMaxBackoff(), 0.2)));

    Project kite = await(tracker.createProject("Kite", "Team workspace", "alice"));
    await(tracker.createIssue(issue("Uploads over 2 GB fail with 413", Optional.of(kite.id()))));
    awaitStatus(projection, s -> s.phase() == GraphProjection.Phase.RUNNING && s.lag() == 0 && s.projectedEvents() == 2);
    assertEquals(1, writerThreads());
    int threadsBefore = jvmThreads();

    for (int i = 0; i < 5; i++) {
      projection.tell(new GraphProjection.Fault("restart " + i));
      // the status comes from the new incarnation: it resumed from the stored offsets, wrote nothing yet
      awaitStatus(projection, s -> s.phase() == GraphProjection.Phase.RUNNING && s.lag() == 0 && s.projectedEvents() == 0);
    }
    Eventually.assertThat(Duration.ofSeconds(10), () -> {
      assertEquals(1, writerThreads(), "the failed incarnations' writer threads ended");
      assertTrue(jvmThreads() <= threadsBefore + 2, "threads before the restarts " + threadsBefore + ", now " + jvmThreads());
    });

    Issue later = await(tracker.createIssue(issue("Thumbnails missing for HEIC photos", Optional.of(kite.id()))));
    await(tracker.comment(later.id(), "Only on iOS 18", "bob"));
    await(tracker.updateIssue(later.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    GraphProjection.Status followed = awaitStatus(projection, s -> s.lag() == 0 && s.projectedEvents() >= 3);
    assertEquals(3, followed.projectedEvents(), "one journal stream: each new event was written once");
    assertEquals("in_progress", store.entity(EntityRef.issue(later.id())).orElseThrow().get("status"));
    assertTrue(store.dump().stream().anyMatch(l -> l.matches("comment:\\S+ -ON-> issue:" + later.id())));
  }

  @Test
  void aChangeClosesTheOldFactAndTheChangesAndAsOfQueriesAnswerFromTheDatedFacts() throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of(
        "turbo-agents.graph.projection-min-backoff", "200ms",
        "turbo-agents.graph.projection-max-backoff", "1s",
        "turbo-agents.graph.projection-batch-window", "50ms"));
    kit = ActorTestKit.create("graph-facts", settings.config());
    Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 64L * 1024 * 1024);
    connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), settings.graph());
    GraphStore store = new GraphStore(connection.driver(), new MiniLmEmbedder(), settings.graph().queryTimeout());
    ActorRef<GraphProjection.Command> projection = kit.spawn(GraphProjection.create(store, tracker.journal(), settings.graph()));
    GraphSearch search = new GraphSearch(connection.driver(), store.embedder(), settings.graph());

    Issue upload = await(tracker.createIssue(issue("Uploads over 2 GB fail with 413", Optional.empty())));
    Issue blocker = await(tracker.createIssue(issue("Chunked transfer in the gateway", Optional.empty())));
    Issue started = await(tracker.updateIssue(upload.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    await(tracker.addBlocker(upload.id(), blocker.id(), OptionalLong.empty()));
    Issue relabelled = await(tracker.updateIssue(upload.id(), new IssueEntity.Changes(Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.of(List.of("bug", "uploads")), Optional.of("code-agent"), Optional.empty()),
        OptionalLong.empty()));
    await(tracker.removeBlocker(upload.id(), blocker.id(), OptionalLong.empty()));
    Issue inReview = await(tracker.updateIssue(upload.id(), IssueEntity.Changes.status(IssueStatus.REVIEW), OptionalLong.empty()));
    awaitStatus(projection, s -> s.lag() == 0 && s.offsets().containsKey("issue"));

    EntityRef ref = EntityRef.issue(upload.id());
    List<GraphStore.Fact> statuses = store.facts(ref).stream().filter(f -> f.attribute().equals("status")).toList();
    assertEquals(List.of("open", "in_progress", "review"), statuses.stream().map(GraphStore.Fact::value).toList());
    assertEquals(Optional.of(started.updatedAt()), statuses.get(0).validTo(), "the open fact ended when the work started");
    assertEquals(started.updatedAt(), statuses.get(1).validFrom());
    assertEquals(Optional.of(inReview.updatedAt()), statuses.get(1).validTo());
    assertEquals(Optional.empty(), statuses.get(2).validTo(), "the status now is still true");
    assertEquals(statuses.get(1).validTo().map(t -> statuses.get(2).source()), statuses.get(1).endedBy(),
        "the fact names the event that ended it");
    assertTrue(statuses.get(2).source().endsWith("#" + inReview.version()), statuses.get(2).source());
    List<GraphStore.Fact> blockers = store.facts(ref).stream().filter(f -> f.attribute().equals("blocked_by")).toList();
    assertEquals(1, blockers.size());
    assertEquals(blocker.id(), blockers.getFirst().value());
    assertTrue(blockers.getFirst().validTo().isPresent(), "the removed blocker's fact ended");
    List<GraphStore.Fact> labels = store.facts(ref).stream().filter(f -> f.attribute().equals("label")).toList();
    assertEquals(List.of("bug", "uploads"), labels.stream().map(GraphStore.Fact::value).toList(), "bug kept, uploads added: " + labels);
    assertTrue(labels.stream().allMatch(f -> f.validTo().isEmpty()));

    // what changed since the work started: the assignee and label began, the blocker began and ended, the status moved on
    List<FactChange> changes = search.changes(started.updatedAt(), 100).stream().filter(c -> c.subject().equals(ref)).toList();
    List<String> lines = changes.stream().map(c -> c.change() + " " + c.attribute() + "=" + c.value()).toList();
    assertTrue(lines.containsAll(List.of("began status=in_progress", "ended status=open", "began blocked_by=" + blocker.id(),
        "began label=uploads", "began assignee=code-agent", "ended blocked_by=" + blocker.id(), "ended status=in_progress",
        "began status=review")), lines.toString());
    assertTrue(lines.stream().noneMatch(l -> l.equals("began label=bug") || l.equals("began status=open")), lines.toString());
    assertEquals(changes.stream().map(FactChange::at).sorted().toList(), changes.stream().map(FactChange::at).toList(), "oldest first");
    assertTrue(search.changes(inReview.updatedAt().plusMillis(1), 100).isEmpty());

    // search as of a time answers with the status then, and leaves out what did not exist yet
    SearchQuery uploads = SearchQuery.of("uploads fail 413", 5, 0);
    assertEquals("review", hit(search.search(uploads), ref).status());
    assertEquals("in_progress", hit(search.search(uploads.asOf(relabelled.updatedAt())), ref).status());
    assertEquals("open", hit(search.search(uploads.asOf(started.updatedAt().minusMillis(1))), ref).status());
    assertTrue(search.search(uploads.asOf(upload.createdAt().minusMillis(1))).stream().noneMatch(h -> h.entity().equals(ref)),
        "before it was created the issue is not an answer");
    assertTrue(search.search(uploads.asOf(relabelled.updatedAt()).withStatuses(java.util.Set.of("open"))).stream()
        .noneMatch(h -> h.entity().equals(ref)), "the status filter reads the status then");

    // a graph an older version projected (no facts, no version) is projected again at start, facts included
    kit.stop(projection);
    try (var session = connection.driver().session()) {
      session.run("MATCH (f:Fact) DELETE f").consume();
      session.run("MATCH (m:GraphMeta {name: 'projection'}) DELETE m").consume();
    }
    assertEquals(1, store.projectionVersion());
    ActorRef<GraphProjection.Command> upgraded = kit.spawn(GraphProjection.create(store, tracker.journal(), settings.graph()));
    awaitStatus(upgraded, s -> s.lag() == 0 && s.projectedEvents() > 0);
    assertEquals(GraphStore.PROJECTION_VERSION, store.projectionVersion());
    assertEquals(List.of("open", "in_progress", "review"), store.facts(ref).stream().filter(f -> f.attribute().equals("status"))
        .map(GraphStore.Fact::value).toList());
    assertEquals(statuses, store.facts(ref).stream().filter(f -> f.attribute().equals("status")).toList(), "the same facts again");
  }

  private static SearchHit hit(List<SearchHit> hits, EntityRef ref) {
    return hits.stream().filter(h -> h.entity().equals(ref)).findFirst().orElseThrow(() -> new AssertionError(ref + " not in " + hits));
  }

  private static void assertContains(List<String> graph, String line) {
    assertTrue(graph.contains(line), line + " not in " + graph);
  }

  private static IssueEntity.Changes project(String id) {
    return new IssueEntity.Changes(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.of(id));
  }

  private static NewIssue issue(String title, Optional<String> project) {
    return new NewIssue(title, "Reported by a user: " + title.toLowerCase(), Optional.of(Priority.HIGH), List.of("bug"),
        Optional.empty(), project, "alice");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}

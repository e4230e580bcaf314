package dev.turboagents.persistence.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.turboagents.persistence.TestJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job entity: what it records, the statuses it moves through, what it refuses; and recovery from LevelDB. */
class JobEntityTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final JobBudget BUDGET = new JobBudget(10, Duration.ofMinutes(5), 10_000);

  private EventSourcedBehaviorTestKit<JobEntity.Command, JobEntity.Event, JobEntity.State> kit;

  @TempDir
  Path dataDir;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), JobEntity.create("j-1", 100));
  }

  private Job accept() {
    var result = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Accept("code", Optional.of("i-7"),
        Optional.of("keep it small"), Optional.of("{\"x\":1}"), "alice", BUDGET, r));
    assertInstanceOf(JobEntity.JobAccepted.class, result.event());
    return result.reply().getValue();
  }

  @Test
  void recordsEveryStepAndItsUsage() {
    Job job = accept();
    assertEquals(JobStatus.QUEUED, job.status());
    assertEquals("alice", job.requestedBy());
    kit.runCommand(JobEntity.MarkRunning::new);
    kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Record(
        new JobEntity.ContextGathered("the issue", List.of("issue i-7"), Instant.now()), r));
    kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Record(new JobEntity.ModelTurned(1, "m", "schema-constrained",
        "the issue", "{\"name\":\"read_file\"}", TurnKind.TOOL_CALL, Optional.empty(), 100, 20, 300, Instant.now()), r));
    kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Record(new JobEntity.ToolCalled(1, "read_file",
        "{\"path\":\"a\"}", "ok", "text", 3, Instant.now()), r));
    var last = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Record(new JobEntity.Condensed(1, "read a",
        Instant.now()), r));
    Job now = last.reply().getValue();
    assertEquals(JobStatus.RUNNING, now.status());
    assertEquals(4, now.steps().size());
    assertEquals(new JobUsage(1, 1, 100, 20, 300), now.usage());
    assertEquals(2, now.nextTurn(), "the next turn is the step of the next side effect's key");
    assertEquals(Optional.of(1), now.lastCondensation().map(JobEntity.Condensed::throughStep));
  }

  @Test
  void waitingIsRecordedOnceAndRunningAgainClearsIt() {
    accept();
    kit.runCommand(JobEntity.MarkRunning::new);
    var first = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.MarkWaiting("Ollama is away", r));
    assertEquals(JobStatus.WAITING, first.reply().getValue().status());
    var again = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.MarkWaiting("Ollama is away", r));
    assertTrue(again.events().isEmpty(), "the same wait is not recorded twice");
    var running = kit.<StatusReply<Job>>runCommand(JobEntity.MarkRunning::new);
    assertEquals(JobStatus.RUNNING, running.reply().getValue().status());
    assertEquals(Optional.empty(), running.reply().getValue().waitingFor());
  }

  @Test
  void aFinishedJobTakesNoFurtherStepAndACancelAfterItChangesNothing() {
    accept();
    kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Fail("tests failed: 2 of 5", r));
    var late = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Record(new JobEntity.Condensed(1, "x",
        Instant.now()), r));
    assertTrue(late.reply().isError());
    assertTrue(late.reply().getError().getMessage().contains("already failed"), late.reply().getError().getMessage());
    var cancel = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Cancel("by alice", r));
    assertTrue(cancel.events().isEmpty());
    assertEquals(JobStatus.FAILED, cancel.reply().getValue().status());
    assertEquals(Optional.of("tests failed: 2 of 5"), cancel.reply().getValue().error());
  }

  @Test
  void anUnknownJobIsNamedAndAcceptedOnlyOnce() {
    var get = kit.<StatusReply<Job>>runCommand(JobEntity.Get::new);
    assertTrue(get.reply().getError().getMessage().contains("no job j-1"));
    accept();
    var twice = kit.<StatusReply<Job>>runCommand(r -> new JobEntity.Accept("code", Optional.empty(), Optional.empty(),
        Optional.empty(), "bob", BUDGET, r));
    assertTrue(twice.reply().isError());
  }

  @Test
  void aJobRecoversFromTheLevelDbJournalAcrossActorSystems() {
    Job before = onRealJournal((k, entity) -> {
      ask(k, entity, r -> new JobEntity.Accept("code", Optional.of("i-1"), Optional.empty(), Optional.empty(), "cli",
          BUDGET, r));
      ask(k, entity, JobEntity.MarkRunning::new);
      ask(k, entity, r -> new JobEntity.Record(new JobEntity.ModelTurned(1, "m", "plain", "task", "answer",
          TurnKind.INVALID, Optional.of("say which tool"), 10, 5, 7, Instant.now()), r));
      return ask(k, entity, r -> new JobEntity.Succeed("done", Optional.of("{\"findings\":[]}"), Optional.of("agents/j-2"), Optional.of("abc"), r));
    });
    Job after = onRealJournal((k, entity) -> ask(k, entity, JobEntity.Get::new));
    assertEquals(before, after);
    assertEquals(JobStatus.SUCCEEDED, after.status());
    assertEquals(Optional.of("agents/j-2"), after.branch());
    assertEquals(Optional.of("{\"findings\":[]}"), after.output(), "the structured result survives the journal");
  }

  private interface Session {
    Job run(ActorTestKit kit, ActorRef<JobEntity.Command> entity);
  }

  private Job onRealJournal(Session session) {
    ActorTestKit real = ActorTestKit.create("jobs", TestJournal.config(dataDir));
    try {
      return session.run(real, real.spawn(JobEntity.create("j-2", 2)));
    } finally {
      real.shutdownTestKit();
    }
  }

  private static Job ask(ActorTestKit kit, ActorRef<JobEntity.Command> entity,
      Function<ActorRef<StatusReply<Job>>, JobEntity.Command> command) {
    TestProbe<StatusReply<Job>> probe = kit.createTestProbe();
    entity.tell(command.apply(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(15)).getValue();
  }
}

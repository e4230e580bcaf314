package dev.turboagents.persistence.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.TestJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs' read side on a real LevelDB journal: listed after a restart from the journal alone, filtered, paged, live. */
class JobIndexTest {
  private static final JobBudget BUDGET = new JobBudget(10, Duration.ofMinutes(5), 10_000);

  @TempDir
  Path dataDir;

  @Test
  void jobsAreListedAfterARestartWithoutAnyEntityFilteredAndPaged() {
    ActorTestKit before = ActorTestKit.create("jobs-before", TestJournal.config(dataDir));
    try {
      for (int n = 1; n <= 5; n++) {
        int i = n;
        ActorRef<JobEntity.Command> job = before.spawn(JobEntity.create("j-" + i, 100));
        String agent = i % 2 == 0 ? "review" : "code";
        ask(before, job, r -> new JobEntity.Accept(agent, Optional.of(i <= 3 ? "issue-a" : "issue-b"), Optional.empty(),
            Optional.empty(), "ada", BUDGET, r));
        if (i == 2) {
          ask(before, job, r -> new JobEntity.Fail("the tests failed", r));
        }
        if (i == 4) {
          ask(before, job, r -> new JobEntity.Cancel("cancelled by ada", r));
        }
      }
    } finally {
      before.shutdownTestKit();
    }

    ActorTestKit after = ActorTestKit.create("jobs-after", TestJournal.config(dataDir));
    try {
      // only the index runs: no job entity is spawned in this system
      ActorRef<JobIndex.Command> index = after.spawn(JobIndex.supervised(100, Duration.ofMillis(100), Duration.ofSeconds(1)));
      JobIndex.Page all = list(after, index, JobIndex.Filter.ANY, 0, 100);
      assertEquals(5, all.total());
      assertEquals(List.of("j-5", "j-4", "j-3", "j-2", "j-1"), ids(all), "newest first");
      assertEquals(JobStatus.FAILED, all.jobs().get(3).status());
      assertEquals(Optional.of("cancelled by ada"), all.jobs().get(1).error());

      assertEquals(List.of("j-2"), ids(list(after, index, new JobIndex.Filter(Optional.of(JobStatus.FAILED),
          Optional.empty(), Optional.empty()), 0, 100)));
      assertEquals(List.of("j-4", "j-2"), ids(list(after, index, new JobIndex.Filter(Optional.empty(),
          Optional.of("review"), Optional.empty()), 0, 100)));
      assertEquals(List.of("j-5", "j-4"), ids(list(after, index, new JobIndex.Filter(Optional.empty(),
          Optional.empty(), Optional.of("issue-b")), 0, 100)));
      assertEquals(List.of("j-3", "j-1"), ids(list(after, index, new JobIndex.Filter(Optional.of(JobStatus.QUEUED),
          Optional.of("code"), Optional.of("issue-a")), 0, 100)));

      JobIndex.Page second = list(after, index, JobIndex.Filter.ANY, 2, 2);
      assertEquals(List.of("j-3", "j-2"), ids(second));
      assertEquals(5, second.total(), "the total counts every match, not the page");
      assertEquals(List.of(), ids(list(after, index, JobIndex.Filter.ANY, 10, 2)));

      ActorRef<JobEntity.Command> fresh = after.spawn(JobEntity.create("j-6", 100));
      ask(after, fresh, r -> new JobEntity.Accept("code", Optional.empty(), Optional.empty(), Optional.empty(), "bob",
          BUDGET, r));
      ask(after, fresh, JobEntity.MarkRunning::new);
      Eventually.assertThat(Duration.ofSeconds(15), () -> {
        JobIndex.Page now = list(after, index, JobIndex.Filter.ANY, 0, 1);
        assertEquals(6, now.total());
        assertEquals(JobStatus.RUNNING, now.jobs().getFirst().status(), "a live change reaches the index");
      });
    } finally {
      after.shutdownTestKit();
    }
  }

  private static JobIndex.Page list(ActorTestKit kit, ActorRef<JobIndex.Command> index, JobIndex.Filter filter,
      int offset, int limit) {
    TestProbe<JobIndex.Page> probe = kit.createTestProbe();
    index.tell(new JobIndex.ListJobs(filter, offset, limit, probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(30));
  }

  private static List<String> ids(JobIndex.Page page) {
    return page.jobs().stream().map(Job::id).toList();
  }

  private static Job ask(ActorTestKit kit, ActorRef<JobEntity.Command> entity,
      Function<ActorRef<StatusReply<Job>>, JobEntity.Command> command) {
    TestProbe<StatusReply<Job>> probe = kit.createTestProbe();
    entity.tell(command.apply(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(15)).getValue();
  }
}

package dev.turboagents.bench;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * Listing jobs after a restart: the job index (replays the journal's tagged events, wakes no
 * entity) against asking every job's entity for its state (what GET /agents/jobs did before).
 * {@code bench/run JobListBenchmark [jobs] [index|entities]} (default 2000): with a way, only that
 * way, once, in the benchmark's cold JVM (run it once per way); without, both ways in one JVM after
 * a warm-up, the median of alternating rounds.
 */
public final class JobListBenchmark {
  private static final Duration ASK = Duration.ofMinutes(5);
  private static final int ROUNDS = 3;
  private static final JobBudget BUDGET = new JobBudget(30, Duration.ofMinutes(30), 400_000);

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    Path dir = Files.createTempDirectory("bench-job-list");
    Settings settings = Settings.forTest(dir, Map.of());
    System.out.printf("turbo-agents job list benchmark: %d jobs (accepted, running, failed), LevelDB; median of %d rounds "
        + "after a warm-up; %d cores, JDK %s%n%n", n, ROUNDS, Runtime.getRuntime().availableProcessors(), Runtime.version());
    write(settings, n);

    Function<ActorSystem<Void>, Listing> byIndex = system -> {
      ActorRef<JobIndex.Command> actor = system.systemActorOf(JobIndex.create(10_000), "job-index", Props.empty());
      return () -> count(AskPattern.<JobIndex.Command, JobIndex.Page>ask(actor,
          r -> new JobIndex.ListJobs(JobIndex.Filter.ANY, 0, Integer.MAX_VALUE, r), ASK, system.scheduler())
          .toCompletableFuture().get(5, TimeUnit.MINUTES).jobs(), n);
    };
    Function<ActorSystem<Void>, Listing> byEntities = system -> {
      List<ActorRef<JobEntity.Command>> all = new ArrayList<>();
      return () -> {
        if (all.isEmpty()) {
          for (int i = 0; i < n; i++) {
            all.add(system.systemActorOf(JobEntity.create("bench-" + i, 100), "job-" + i, Props.empty()));
          }
        }
        List<CompletableFuture<Job>> jobs = new ArrayList<>();
        for (ActorRef<JobEntity.Command> e : all) {
          jobs.add(AskPattern.askWithStatus(e, JobEntity.Get::new, ASK, system.scheduler()).toCompletableFuture());
        }
        CompletableFuture.allOf(jobs.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        return count(jobs.stream().map(CompletableFuture::join).sorted(Comparator.comparing(Job::acceptedAt).reversed())
            .toList(), n);
      };
    };
    if (args.length > 1) {
      // one way only, in this cold JVM: what a restarted daemon pays, class loading and JIT included
      boolean viaIndex = switch (args[1]) {
        case "index" -> true;
        case "entities" -> false;
        default -> throw new IllegalArgumentException("the way is index or entities, was " + args[1]);
      };
      long[] cold = inFreshSystem(settings, "cold", viaIndex ? byIndex : byEntities);
      Table table = new Table("way (cold JVM)", "jobs", "first list after restart ms", "next list ms");
      table.row(viaIndex ? "job index (journal replay, no entity)" : "ask every entity (wakes each)", n,
          Table.fmt(cold[0] / 1e6), Table.fmt(cold[1] / 1e6));
      System.out.println(table.render());
      return;
    }
    // one untimed round of each first: class loading and the JIT are paid by neither way for the
    // other (the first way measured in a cold JVM used to pay them all); then ROUNDS alternating
    // rounds, each in a fresh actor system on the same journal, the median of each way shown
    inFreshSystem(settings, "warm-index", byIndex);
    inFreshSystem(settings, "warm-entities", byEntities);
    List<long[]> indexRounds = new ArrayList<>();
    List<long[]> entityRounds = new ArrayList<>();
    for (int r = 0; r < ROUNDS; r++) {
      indexRounds.add(inFreshSystem(settings, "index-" + r, byIndex));
      entityRounds.add(inFreshSystem(settings, "entities-" + r, byEntities));
    }
    long[] index = {median(indexRounds, 0), median(indexRounds, 1)};
    long[] entities = {median(entityRounds, 0), median(entityRounds, 1)};

    Table table = new Table("way", "jobs", "first list after restart ms", "next list ms", "first vs index", "next vs index");
    table.row("job index (journal replay, no entity)", n, Table.fmt(index[0] / 1e6), Table.fmt(index[1] / 1e6), "1x", "1x");
    table.row("ask every entity (wakes each)", n, Table.fmt(entities[0] / 1e6), Table.fmt(entities[1] / 1e6),
        Table.fmt((double) entities[0] / index[0]) + "x", Table.fmt((double) entities[1] / index[1]) + "x");
    System.out.println(table.render());
  }

  private static long median(List<long[]> rounds, int which) {
    long[] values = rounds.stream().mapToLong(r -> r[which]).sorted().toArray();
    return values[values.length / 2];
  }

  private interface Listing {
    int list() throws Exception;
  }

  /** The first and the second listing's time in a fresh actor system on the same journal. */
  private static long[] inFreshSystem(Settings settings, String name, Function<ActorSystem<Void>, Listing> setup)
      throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench-" + name, settings.config());
    try {
      long start = System.nanoTime();
      Listing listing = setup.apply(system);
      listing.list();
      long first = System.nanoTime() - start;
      start = System.nanoTime();
      listing.list();
      return new long[] {first, System.nanoTime() - start};
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  private static int count(List<Job> jobs, int expected) {
    if (jobs.size() != expected) {
      throw new IllegalStateException("listed " + jobs.size() + " jobs, wrote " + expected);
    }
    return jobs.size();
  }

  private static void write(Settings settings, int n) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench-write", settings.config());
    try {
      List<CompletableFuture<Job>> done = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ActorRef<JobEntity.Command> job = system.systemActorOf(JobEntity.create("bench-" + i, 100), "job-" + i, Props.empty());
        String issue = "issue-" + (i % 50);
        done.add(ask(system, job, r -> new JobEntity.Accept("code", Optional.of(issue), Optional.empty(), Optional.empty(),
            "bench", BUDGET, r)).thenCompose(j -> ask(system, job, JobEntity.MarkRunning::new))
            .thenCompose(j -> ask(system, job, r -> new JobEntity.Fail("the tests failed", r))));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  private static CompletableFuture<Job> ask(ActorSystem<Void> system, ActorRef<JobEntity.Command> entity,
      Function<ActorRef<StatusReply<Job>>, JobEntity.Command> command) {
    return AskPattern.askWithStatus(entity, command::apply, ASK, system.scheduler()).toCompletableFuture();
  }
}

package dev.turboagents.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerTask;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.concurrent.ExecutionContext;

/** The daemon's timer service, in an actor system configured as the daemon configures it. */
class DeadlineSchedulerTest {
  @TempDir
  Path dataDir;

  private ActorTestKit kit;
  private Scheduler scheduler;
  private ExecutionContext executor;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("timers", TestJournal.config(dataDir));
    scheduler = kit.system().classicSystem().scheduler();
    executor = kit.system().executionContext();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void theDaemonsActorSystemTimesWithTheDeadlineScheduler() {
    assertInstanceOf(DeadlineScheduler.class, scheduler);
  }

  @Test
  void aTimerRunsOnceNotBeforeItIsDueOnTheDispatcherItWasGiven() throws Exception {
    AtomicReference<String> thread = new AtomicReference<>();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch ran = new CountDownLatch(1);
    long scheduled = System.nanoTime();
    AtomicReference<Long> at = new AtomicReference<>();
    scheduler.scheduleOnce(Duration.ofMillis(150), () -> {
      at.set(System.nanoTime());
      thread.set(Thread.currentThread().getName());
      runs.incrementAndGet();
      ran.countDown();
    }, executor);
    assertTrue(ran.await(5, TimeUnit.SECONDS), "the timer never ran");
    assertTrue(at.get() - scheduled >= TimeUnit.MILLISECONDS.toNanos(150), "ran before it was due");
    assertTrue(thread.get().contains("default-dispatcher"), "ran on " + thread.get());
    Thread.sleep(200);
    assertEquals(1, runs.get());
  }

  @Test
  void aCancelledTimerNeverRunsAndItsTaskIsTold() throws Exception {
    AtomicBoolean ran = new AtomicBoolean();
    CountDownLatch told = new CountDownLatch(1);
    SchedulerTask task = new SchedulerTask() {
      @Override
      public void run() {
        ran.set(true);
      }

      @Override
      public void cancelled() {
        told.countDown();
      }
    };
    Cancellable timer = scheduler.scheduleOnce(Duration.ofMillis(200), task, executor);
    assertTrue(timer.cancel());
    assertTrue(timer.isCancelled());
    assertFalse(timer.cancel(), "a second cancel cancels nothing");
    assertTrue(told.await(5, TimeUnit.SECONDS), "the task was not told it was cancelled");
    Thread.sleep(400);
    assertFalse(ran.get(), "a cancelled timer ran");
  }

  @Test
  void aTimerThatRanCannotBeCancelled() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    Cancellable timer = scheduler.scheduleOnce(Duration.ofMillis(1), ran::countDown, executor);
    assertTrue(ran.await(5, TimeUnit.SECONDS));
    assertFalse(timer.cancel());
    assertFalse(timer.isCancelled());
  }

  @Test
  void repeatingTimersRunUntilCancelled() throws Exception {
    for (boolean fixedRate : new boolean[] {true, false}) {
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch three = new CountDownLatch(3);
      Runnable body = () -> {
        runs.incrementAndGet();
        three.countDown();
      };
      Cancellable timer = fixedRate
          ? scheduler.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(20), body, executor)
          : scheduler.scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(20), body, executor);
      assertTrue(three.await(5, TimeUnit.SECONDS), (fixedRate ? "fixed rate" : "fixed delay") + " ran " + runs.get() + " times");
      assertTrue(timer.cancel());
      assertTrue(timer.isCancelled());
      Thread.sleep(60);
      int afterCancel = runs.get();
      Thread.sleep(200);
      assertEquals(afterCancel, runs.get(), (fixedRate ? "fixed rate" : "fixed delay") + " kept running after cancel");
    }
  }

  @Test
  void aRepeatingTimerForAStoppedActorStopsItself() throws Exception {
    TestProbe<String> probe = kit.createTestProbe();
    ActorRef<String> target = kit.spawn(Behaviors.receiveMessage(m -> {
      probe.ref().tell(m);
      return Behaviors.same();
    }));
    Cancellable timer = scheduler.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(20), Adapter.toClassic(target), "tick",
        executor, org.apache.pekko.actor.ActorRef.noSender());
    probe.expectMessage("tick");
    kit.stop(target);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!timer.isCancelled() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertTrue(timer.isCancelled(), "the timer kept firing at a stopped actor");
  }

  @Test
  void anActorsOwnTimersArrive() {
    TestProbe<String> probe = kit.createTestProbe();
    kit.spawn(Behaviors.<String>withTimers(timers -> {
      timers.startSingleTimer("once", Duration.ofMillis(50));
      return Behaviors.receiveMessage(m -> {
        probe.ref().tell(m);
        return Behaviors.same();
      });
    }));
    probe.expectMessage(Duration.ofSeconds(5), "once");
  }

  @Test
  void onShutdownATaskThatMustRunOnCloseRunsAndNothingMoreCanBeScheduled() throws Exception {
    ActorTestKit other = ActorTestKit.create("closing", TestJournal.config(dataDir.resolve("other")));
    Scheduler closing = other.system().classicSystem().scheduler();
    CountDownLatch ranOnClose = new CountDownLatch(1);
    AtomicBoolean dropped = new AtomicBoolean();
    closing.scheduleOnce(Duration.ofHours(1), (Scheduler.TaskRunOnClose) ranOnClose::countDown, other.system().executionContext());
    closing.scheduleOnce(Duration.ofHours(1), () -> dropped.set(true), other.system().executionContext());
    other.shutdownTestKit();
    assertTrue(ranOnClose.await(5, TimeUnit.SECONDS), "a TaskRunOnClose did not run when the system stopped");
    assertFalse(dropped.get());
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> closing.scheduleOnce(Duration.ofMillis(10), () -> { }, executor));
    assertTrue(refused.getMessage().contains("shutdown"), refused.getMessage());
  }
}

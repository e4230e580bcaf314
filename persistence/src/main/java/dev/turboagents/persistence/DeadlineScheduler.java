package dev.turboagents.persistence;

import com.typesafe.config.Config;
import java.io.Closeable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerException;
import org.apache.pekko.actor.SchedulerTask;
import org.apache.pekko.event.LoggingAdapter;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * The actor system's timer service (selected by {@code pekko.scheduler.implementation} in
 * {@code Settings}): one thread that sleeps until the next task is due. Pekko's default
 * {@code LightArrayRevolverScheduler} wakes every {@code tick-duration} (10 ms) whether anything is
 * due or not: an idle daemon woke ~100 times a second for it and spent about 1 % of a core, all
 * day, on a machine the user also works on. Here an idle daemon's timer thread wakes only for its
 * own timers (a few a second), and a timer fires at its time instead of on the next tick.
 *
 * <p>Pekko's contract for a scheduler, kept here: a task runs on the execution context it was
 * scheduled with; scheduling after {@link #close} throws {@link IllegalStateException}; a
 * cancelled {@link SchedulerTask} hears {@code cancelled()}; on close every pending
 * {@link Scheduler.TaskRunOnClose} runs (the dispatchers' shutdown actions), the rest are dropped.
 * A repeating task stops when its body throws Pekko's "timer active for terminated actor".
 */
public final class DeadlineScheduler implements Scheduler, Closeable {
  private static final double TIMERS_PER_SECOND = 1000.0;

  private final ScheduledThreadPoolExecutor timer;
  private final LoggingAdapter log;
  private final long shutdownTimeoutNanos;
  private final Set<Once> runOnClose = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** The constructor Pekko calls, with the system's config, a log and the scheduler's thread factory. */
  public DeadlineScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {
    this.log = log;
    this.shutdownTimeoutNanos = config.getDuration("pekko.scheduler.shutdown-timeout").toNanos();
    this.timer = new ScheduledThreadPoolExecutor(1, threadFactory);
    // a cancelled timer (most request timeouts are) leaves the queue at once instead of at its deadline
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public Cancellable scheduleOnce(FiniteDuration delay, Runnable runnable, ExecutionContext executor) {
    if (closed) {
      throw shutDown();
    }
    if (delay.toNanos() <= 0) {
      executor.execute(runnable);
      return RAN;
    }
    Once once = new Once(runnable, executor);
    if (runnable instanceof Scheduler.TaskRunOnClose) {
      runOnClose.add(once);
    }
    try {
      once.future = timer.schedule(once::fire, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      runOnClose.remove(once);
      throw shutDown();
    }
    return once;
  }

  /** At a fixed rate: each run is scheduled from the previous one's due time, so a late run does not delay the rest. */
  @Override
  public Cancellable schedule(FiniteDuration initialDelay, FiniteDuration interval, Runnable runnable,
      ExecutionContext executor) {
    if (interval.toNanos() <= 0) {
      throw new IllegalArgumentException("Task scheduled with [" + interval + "] interval, which means creating an"
          + " infinite loop. The expected interval must be greater than 0.");
    }
    return new Repeating(initialDelay.toNanos(), interval.toNanos(), runnable, executor);
  }

  @Override
  public double maxFrequency() {
    return TIMERS_PER_SECOND;
  }

  /** Stops the timer thread, then runs the pending tasks that must run on close. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    for (Once once : runOnClose) {
      if (once.claim(Once.FIRED)) {
        try {
          once.runnable.run();
        } catch (SchedulerException e) {
          // a terminated actor's timer: nothing to do
        } catch (RuntimeException e) {
          log.error(e, "exception while executing timer task");
        }
      }
    }
    runOnClose.clear();
    try {
      timer.awaitTermination(shutdownTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static IllegalStateException shutDown() {
    String message = "cannot enqueue after timer shutdown";
    // Pekko's own repeating tasks recognise this cause and stop quietly
    return new IllegalStateException(message, SchedulerException.apply(message));
  }

  /** What {@link #scheduleOnce} returns for a task it ran at once: nothing left to cancel. */
  private static final Cancellable RAN = new NothingToCancel();

  /** A repeating task's place holder until its first run is scheduled. */
  private static final Cancellable STARTING = new NothingToCancel();

  private static final class NothingToCancel implements Cancellable {
    @Override
    public boolean cancel() {
      return false;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }
  }

  /** One task due once: pending until it fires or is cancelled, whichever comes first. */
  private final class Once implements Cancellable {
    static final int PENDING = 0;
    static final int FIRED = 1;
    static final int CANCELLED = 2;

    private final Runnable runnable;
    private final ExecutionContext executor;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private volatile ScheduledFuture<?> future;

    Once(Runnable runnable, ExecutionContext executor) {
      this.runnable = runnable;
      this.executor = executor;
    }

    boolean claim(int next) {
      return state.compareAndSet(PENDING, next);
    }

    void fire() {
      if (!claim(FIRED)) {
        return;
      }
      runOnClose.remove(this);
      try {
        executor.execute(runnable);
      } catch (RuntimeException e) {
        executor.reportFailure(e);
      }
    }

    @Override
    public boolean cancel() {
      if (!claim(CANCELLED)) {
        return false;
      }
      runOnClose.remove(this);
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
      if (runnable instanceof SchedulerTask task) {
        try {
          executor.execute(task::cancelled);
        } catch (RuntimeException e) {
          executor.reportFailure(e);
        }
      }
      return true;
    }

    @Override
    public boolean isCancelled() {
      return state.get() == CANCELLED;
    }
  }

  /** A task due again and again: one {@link Once} at a time, the next scheduled when the last has run. */
  private final class Repeating implements Cancellable, SchedulerTask {
    private final long intervalNanos;
    private final Runnable runnable;
    private final ExecutionContext executor;
    private final AtomicReference<Cancellable> next = new AtomicReference<>();
    private long dueNanos;

    Repeating(long initialDelayNanos, long intervalNanos, Runnable runnable, ExecutionContext executor) {
      this.intervalNanos = intervalNanos;
      this.runnable = runnable;
      this.executor = executor;
      this.dueNanos = System.nanoTime() + initialDelayNanos;
      // with no initial delay the first run may start (and schedule the second) before this returns
      next.set(STARTING);
      next.compareAndSet(STARTING, scheduleOnce(FiniteDuration.fromNanos(initialDelayNanos), this, executor));
    }

    @Override
    public void run() {
      try {
        runnable.run();
      } catch (SchedulerException e) {
        next.set(null); // its actor is gone
        return;
      }
      dueNanos += intervalNanos;
      long delay = Math.max(dueNanos - System.nanoTime(), 1);
      Cancellable previous = next.get();
      if (previous == null) {
        return; // cancelled while it ran
      }
      try {
        Cancellable scheduled = scheduleOnce(FiniteDuration.fromNanos(delay), this, executor);
        if (!next.compareAndSet(previous, scheduled)) {
          scheduled.cancel();
        }
      } catch (IllegalStateException e) {
        next.set(null); // the system is shutting down
      }
    }

    @Override
    public void cancelled() {
      if (runnable instanceof SchedulerTask task) {
        task.cancelled();
      }
    }

    @Override
    public boolean cancel() {
      Cancellable current = next.getAndSet(null);
      if (current == null) {
        return false;
      }
      current.cancel(); // false when that run is under way: it sees the cancel and schedules no other
      return true;
    }

    @Override
    public boolean isCancelled() {
      return next.get() == null;
    }
  }
}

package dev.turboagents.runtime.daemon;

import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.Settings;
import dev.turboagents.config.TelemetrySettings;
import dev.turboagents.http.HttpServer;
import dev.turboagents.http.health.HealthRoutes;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.runtime.subsystems.Composition;
import dev.turboagents.supervisors.RootSupervisor;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running daemon: lock the data directory, start the supervision tree with every subsystem of
 * the {@link Composition}, and bind HTTP at once (a subsystem still starting answers 503 with
 * Retry-After for its own paths; the tracker serves from the first second). SIGTERM or Ctrl-C runs CoordinatedShutdown: HTTP unbinds, in-flight requests
 * finish, actors stop, the journal closes, then the lock is released.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final Composition subsystems;
  private final Settings settings;
  private final AtomicReference<InvalidSettingException> rejected;
  private final DataDirectoryLock lock;

  private Daemon(ActorSystem<Void> system, ServerBinding binding, Composition subsystems, DataDirectoryLock lock,
      Settings settings, AtomicReference<InvalidSettingException> rejected) {
    this.system = system;
    this.rejected = rejected;
    this.settings = settings;
    this.binding = binding;
    this.subsystems = subsystems;
    this.lock = lock;
  }

  /**
   * Starts everything or fails with a message fit for the user; nothing is left running on failure.
   *
   * @throws InvalidSettingException when a subsystem refuses a setting before it starts
   */
  public static Daemon start(Settings settings) throws StartFailure {
    DataDirectoryLock lock;
    try {
      lock = DataDirectoryLock.acquire(settings.dataDir());
    } catch (DataDirectoryLock.HeldElsewhere e) {
      throw new StartFailure(e.getMessage());
    } catch (java.io.IOException e) {
      throw new StartFailure("cannot use the data directory " + settings.dataDir() + ": " + e.getMessage());
    }
    Composition subsystems;
    try {
      TelemetrySettings.of(settings); // a collector off this machine is refused before anything starts
      subsystems = Composition.of(settings);
    } catch (RuntimeException e) {
      closeQuietly(lock);
      throw e;
    }
    ActorSystem<Void> system = ActorSystem.create(RootSupervisor.create(subsystems.supervisors()), "turbo-agents",
        settings.config());
    system.getWhenTerminated().thenRun(() -> closeQuietly(lock));
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    // Printed by CoordinatedShutdown itself, after HTTP unbound and the actors stopped, so it is never lost.
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "announce-stop", () -> {
      System.out.println("turbo-agents stopped (" + shutdown.getShutdownReason().map(Object::toString).orElse("unknown reason") + ")");
      System.out.flush();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    try {
      var routes = HttpServer.routes(subsystems.endpoints(system),
          new HealthRoutes(subsystems.health(system), settings.http().askTimeout()), settings.http().retryAfter(),
          subsystems.metrics().http(subsystems.endpoints(system)),
          dev.turboagents.actors.telemetry.Telemetry.get(system).spans());
      ServerBinding binding = HttpServer.bind(system, settings.http(), settings.inference().defaultDeadline(), routes)
          .toCompletableFuture().get(settings.http().bindTimeout().toMillis(), TimeUnit.MILLISECONDS);
      AtomicReference<InvalidSettingException> rejected = new AtomicReference<>();
      stopOnRejectedSetting(subsystems, shutdown, rejected);
      return new Daemon(system, binding, subsystems, lock, settings, rejected);
    } catch (Exception e) {
      system.terminate();
      if (awaitQuietly(system, settings)) {
        closeQuietly(lock);
      }
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new StartFailure("could not start on " + settings.http().bind() + ":" + settings.http().port() + ": " + cause.getMessage());
    }
  }

  /** Once bound (so a failure this early cannot race the binding), a subsystem refusing a setting stops the daemon. */
  private static void stopOnRejectedSetting(Composition subsystems, CoordinatedShutdown shutdown,
      AtomicReference<InvalidSettingException> rejected) {
    for (var subsystem : subsystems.all()) {
      // a subsystem that cannot start because of a setting stops the daemon, as a wrong setting does before start
      subsystem.api().whenComplete((api, failure) -> {
        if (failure != null && unwrap(failure) instanceof InvalidSettingException bad && rejected.compareAndSet(null, bad)) {
          log.error("the {} subsystem cannot start: invalid setting {}", subsystem.name(), bad.getMessage());
          shutdown.run(SettingRejected.INSTANCE);
        }
      });
    }
  }

  /** The setting a subsystem refused at start, which stopped the daemon; empty while it runs or when stopped otherwise. */
  public Optional<InvalidSettingException> rejectedSetting() {
    return Optional.ofNullable(rejected.get());
  }

  /** The reason CoordinatedShutdown names when a subsystem refused a setting. */
  private static final class SettingRejected implements CoordinatedShutdown.Reason {
    static final SettingRejected INSTANCE = new SettingRejected();

    @Override
    public String toString() {
      return "SettingRejected";
    }
  }

  private static Throwable unwrap(Throwable t) {
    return AsyncFailure.cause(t);
  }

  public InetSocketAddress address() {
    return binding.localAddress();
  }

  /** The subsystems, for callers inside this JVM (tests, benchmarks): {@code subsystems().tracker().api()}. */
  public Composition subsystems() {
    return subsystems;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Blocks until the daemon has shut down (SIGTERM, Ctrl-C or {@link #close()}). */
  public void awaitTermination() throws InterruptedException {
    try {
      system.getWhenTerminated().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("Actor system ended with a failure", e.getCause());
    }
  }

  /**
   * Stops the daemon and returns once the journal and the graph are closed and the data directory is
   * free again. When the actor system takes longer than {@code turbo-agents.daemon.stop-timeout}, it
   * returns then, and the data directory stays locked until the system has ended: a second daemon
   * must never start beside a subsystem that still writes there.
   */
  @Override
  public void close() {
    system.terminate();
    if (awaitQuietly(system, settings)) {
      closeQuietly(lock); // also released by the termination itself, perhaps a moment after this thread wakes
    }
  }

  /** Waits, bounded, for the system to end; the lock is released by its termination (see {@link #start}). */
  private static boolean awaitQuietly(ActorSystem<?> system, Settings settings) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(settings.daemon().stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      log.warn("Actor system did not terminate in {} (turbo-agents.daemon.stop-timeout); the data directory stays locked"
          + " until it has", settings.daemon().stopTimeout(), e);
      return false;
    }
  }

  private static void closeQuietly(DataDirectoryLock lock) {
    try {
      lock.close();
    } catch (Exception e) {
      // already released
    }
  }

  /** The daemon could not start; the message says why, in a line. */
  public static final class StartFailure extends Exception {
    public StartFailure(String message) {
      super(message);
    }
  }
}

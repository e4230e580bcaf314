package dev.turboagents.runtime.daemon;

import dev.turboagents.config.Settings;
import dev.turboagents.http.HttpServer;
import dev.turboagents.supervisors.RootSupervisor;
import dev.turboagents.supervisors.Subsystems;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running daemon: lock the data directory, start the supervision tree, bind HTTP once every
 * subsystem is up. SIGTERM or Ctrl-C runs CoordinatedShutdown: HTTP unbinds, in-flight requests
 * finish, actors stop, the journal closes, then the lock is released.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final Subsystems subsystems;
  private final DataDirectoryLock lock;

  private Daemon(ActorSystem<Void> system, ServerBinding binding, Subsystems subsystems, DataDirectoryLock lock) {
    this.system = system;
    this.binding = binding;
    this.subsystems = subsystems;
    this.lock = lock;
  }

  /** Starts everything or fails with a message fit for the user; nothing is left running on failure. */
  public static Daemon start(Settings settings) throws StartFailure {
    DataDirectoryLock lock;
    try {
      lock = DataDirectoryLock.acquire(settings.dataDir());
    } catch (DataDirectoryLock.HeldElsewhere e) {
      throw new StartFailure(e.getMessage());
    } catch (java.io.IOException e) {
      throw new StartFailure("cannot use the data directory " + settings.dataDir() + ": " + e.getMessage());
    }
    CompletableFuture<Subsystems> ready = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(RootSupervisor.create(settings, ready), "turbo-agents", settings.config());
    system.getWhenTerminated().thenRun(() -> closeQuietly(lock));
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    // Printed by CoordinatedShutdown itself, after HTTP unbound and the actors stopped, so it is never lost.
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "announce-stop", () -> {
      System.out.println("turbo-agents stopped (" + shutdown.getShutdownReason().map(Object::toString).orElse("unknown reason") + ")");
      System.out.flush();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    try {
      Subsystems subsystems = ready.get(60, TimeUnit.SECONDS);
      ServerBinding binding = HttpServer.bind(system, settings, subsystems).toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new Daemon(system, binding, subsystems, lock);
    } catch (Exception e) {
      system.terminate();
      awaitQuietly(system);
      closeQuietly(lock);
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new StartFailure("could not start on " + settings.http().bind() + ":" + settings.http().port() + ": " + cause.getMessage());
    }
  }

  public InetSocketAddress address() {
    return binding.localAddress();
  }

  public Subsystems subsystems() {
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

  /** Stops the daemon and returns once the journal is closed and the data directory is free again. */
  @Override
  public void close() {
    system.terminate();
    awaitQuietly(system);
    closeQuietly(lock);
  }

  private static void awaitQuietly(ActorSystem<?> system) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Actor system did not terminate in 30 s", e);
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

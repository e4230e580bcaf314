package dev.turboagents.persistence.tracker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Starts entities on first use, routes commands to them by id and stops the idle ones. While an
 * entity is stopping, its commands wait here and go to a fresh incarnation once the old one is
 * gone, so two incarnations of one entity never write to the journal at the same time. An entity
 * that fails (a journal write, a recovery) stops; the registry forgets it and the next command
 * starts it afresh from the journal.
 *
 * <p>Why not Pekko Cluster Sharding, which does the same (idle passivation, buffering while an
 * entity stops, one incarnation per id) and is what many machines will need? Weighed on a
 * one-node cluster (pekko-cluster-sharding-typed 1.7.0, Artery on 127.0.0.1 port 0, self-join,
 * the same IssueEntity and LevelDB journal; a fresh JVM per run, ten runs each, 2 cores shared
 * with other builds; medians):
 * <table>
 *   <caption>registry vs one-node sharding</caption>
 *   <tr><th></th><th>registry</th><th>sharding</th></tr>
 *   <tr><td>ActorSystem.create</td><td>2.1 s</td><td>2.7 s (cluster, Artery bind)</td></tr>
 *   <tr><td>first acknowledged write, from before ActorSystem.create</td><td>2.8 s</td><td>3.7 s</td></tr>
 *   <tr><td>the same, from the created ActorSystem</td><td>0.64 s</td><td>0.93 s (self-join, member Up, region registered)</td></tr>
 *   <tr><td>one create, sequential, warm</td><td>8.5 ms</td><td>11.1 ms</td></tr>
 *   <tr><td>ActorSystem.terminate</td><td>0.09 s</td><td>1.25 s (leave the cluster, hand off shards)</td></tr>
 * </table>
 * Beyond the figures: every ActorSystem (the daemon and every test kit of the tracker, the HTTP
 * routes and the runtime) would need the cluster provider, a self-join and a bound Artery port,
 * and would take about a second longer to shut down; fourteen more artifacts (lmdbjava and
 * jnr-ffi/jffi native code among them) with new convergence pins. That is not "as simple", so the registry stays while the daemon is
 * one node on a local LevelDB journal (which many machines could not share anyway). The move is
 * local when the JDBC journal comes: {@code Tracker.start} and its two {@code ask} helpers are the
 * only code that routes to entities.
 */
public final class EntityRegistry<C> {

  /** What a registry accepts. */
  public sealed interface Command<C> permits Deliver, PassivateIdle, Stopped, CountActive {}

  /** Route {@code command} to the entity {@code entityId}, starting it if needed. */
  public record Deliver<C>(String entityId, C command) implements Command<C> {}

  record PassivateIdle<C>() implements Command<C> {}

  record Stopped<C>(String entityId) implements Command<C> {}

  public record CountActive<C>(ActorRef<Integer> replyTo) implements Command<C> {}

  public static <C> Behavior<Command<C>> create(Function<String, Behavior<C>> entity, C passivate, Duration idleAfter) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new PassivateIdle<>(), idleAfter.dividedBy(2));
      return new EntityRegistry<>(ctx, entity, passivate, idleAfter).behavior();
    }));
  }

  private final ActorContext<Command<C>> ctx;
  private final Function<String, Behavior<C>> entity;
  private final C passivate;
  private final long idleNanos;
  private final Map<String, ActorRef<C>> active = new HashMap<>();
  private final Map<String, Long> lastUsed = new HashMap<>();
  private final Map<String, List<C>> stopping = new HashMap<>();

  private EntityRegistry(ActorContext<Command<C>> ctx, Function<String, Behavior<C>> entity, C passivate, Duration idleAfter) {
    this.ctx = ctx;
    this.entity = entity;
    this.passivate = passivate;
    this.idleNanos = idleAfter.toNanos();
  }

  private Behavior<Command<C>> behavior() {
    return Behaviors.receiveMessage(message -> {
      switch (message) {
        case Deliver<C> d -> deliver(d.entityId(), d.command());
        case PassivateIdle<C> p -> passivateIdle();
        case Stopped<C> s -> stopped(s.entityId());
        case CountActive<C> c -> c.replyTo().tell(active.size());
      }
      return Behaviors.same();
    });
  }

  private void deliver(String id, C command) {
    List<C> waiting = stopping.get(id);
    if (waiting != null) {
      waiting.add(command);
      return;
    }
    ActorRef<C> ref = active.get(id);
    if (ref == null) {
      ref = ctx.spawn(entity.apply(id), id);
      ctx.watchWith(ref, new Stopped<>(id));
      active.put(id, ref);
    }
    lastUsed.put(id, System.nanoTime());
    ref.tell(command);
  }

  private void passivateIdle() {
    long now = System.nanoTime();
    List<String> idle = lastUsed.entrySet().stream().filter(e -> now - e.getValue() > idleNanos).map(Map.Entry::getKey).toList();
    for (String id : idle) {
      active.remove(id).tell(passivate);
      lastUsed.remove(id);
      stopping.put(id, new ArrayList<>());
    }
  }

  private void stopped(String id) {
    List<C> waiting = stopping.remove(id);
    active.remove(id);
    lastUsed.remove(id);
    if (waiting != null) {
      waiting.forEach(c -> deliver(id, c));
    }
  }
}

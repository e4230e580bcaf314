package dev.turboagents.supervisors;

import java.util.List;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of the daemon's ActorSystem: one child supervisor per subsystem, in the order the
 * composition lists them. A subsystem supervisor that stops (it should not: each one restarts its
 * own actors) is logged; the others keep serving, and its health check reports it gone.
 */
public final class RootSupervisor {

  /** A subsystem's supervisor and the name its actor gets. */
  public record Child(String name, Behavior<?> supervisor) {}

  private RootSupervisor() {}

  public static Behavior<Void> create(List<Child> children) {
    return Behaviors.setup(ctx -> {
      for (Child child : children) {
        ctx.watch(ctx.spawn(child.supervisor(), child.name()));
      }
      return Behaviors.receive(Void.class)
          .onSignal(Terminated.class, t -> {
            ctx.getLog().error("the {} subsystem's supervisor stopped; that subsystem no longer serves", t.getRef().path().name());
            return Behaviors.same();
          })
          .build();
    });
  }
}

package dev.turboagents.persistence.entity;

/**
 * Hears of every change an entity persisted, with the entity's state after it, before the entity
 * replies to the command. The tracker's index listens this way, so a listing asked for right after
 * an acknowledged write includes it, while the entities know nothing of the index.
 */
@FunctionalInterface
public interface ChangeListener<T> {

  /** Called on the entity's own thread; must only hand the state on (tell an actor), never block. */
  void changed(T current);
}

package dev.turboagents.actors.inference;

import java.util.function.Consumer;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;

/**
 * Hands the exception that fails a behavior to {@code onCrash} before it reaches the supervisor:
 * the PreRestart signal does not carry it, and the requests an actor held should be told why.
 */
final class CrashRecorder<T> extends BehaviorInterceptor<T, T> {
  private final Consumer<RuntimeException> onCrash;

  CrashRecorder(Class<T> messages, Consumer<RuntimeException> onCrash) {
    super(messages);
    this.onCrash = onCrash;
  }

  @Override
  public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
    try {
      return target.apply(ctx, msg);
    } catch (RuntimeException e) {
      onCrash.accept(e);
      throw e;
    }
  }
}

package dev.turboagents.actors.inference;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * What the model server has, answered straight from it: its models, one model in detail, what it
 * holds in memory, its version. Listings take no place in the queue and no model time. A child of
 * the inference actor, which forwards {@link InferenceActor.Listing}s to it.
 */
public final class ModelListings extends AbstractBehavior<ModelListings.Command> {

  /** A listing. */
  public sealed interface Command {}

  /** The server's models: {@link Models} or {@link Failed}. */
  public record ListModels(ActorRef<ModelsReply> replyTo) implements Command {}

  /** One model in detail: {@link Shown} or {@link Failed} (UNKNOWN_MODEL naming the models there are). */
  public record ShowModel(String model, ActorRef<ShowReply> replyTo) implements Command {}

  /** The models the server holds in memory: {@link Loaded} or {@link Failed}. */
  public record ListRunning(ActorRef<RunningReply> replyTo) implements Command {}

  /** The server's version: {@link Version} or {@link Failed}. */
  public record GetVersion(ActorRef<VersionReply> replyTo) implements Command {}

  /** Answers to {@link ListModels}. */
  public sealed interface ModelsReply {}

  /** Answers to {@link ShowModel}. */
  public sealed interface ShowReply {}

  /** Answers to {@link ListRunning}. */
  public sealed interface RunningReply {}

  /** Answers to {@link GetVersion}. */
  public sealed interface VersionReply {}

  public record Models(List<ModelSummary> models) implements ModelsReply {}

  public record Shown(ModelDescription model) implements ShowReply {}

  public record Loaded(List<LoadedModel> models) implements RunningReply {}

  public record Version(String version) implements VersionReply {}

  /** Why a listing could not be given. */
  public enum Failure {
    /** The server has no such model; the reply lists the ones it has. */
    UNKNOWN_MODEL,
    /** The server does not answer. */
    UNAVAILABLE,
    /** The server refused the request. */
    REJECTED
  }

  /** The listing could not be given; {@code message} says why, {@code availableModels} for an unknown model. */
  public record Failed(Failure failure, String message, List<String> availableModels)
      implements ModelsReply, ShowReply, RunningReply, VersionReply {}

  private final InferenceBackend backend;

  public static Behavior<Command> create(InferenceBackend backend) {
    return Behaviors.setup(context -> new ModelListings(context, backend));
  }

  private ModelListings(ActorContext<Command> context, InferenceBackend backend) {
    super(context);
    this.backend = backend;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListModels.class, m -> relay(backend.models(), Models::new, f -> f, m.replyTo()))
        .onMessage(ListRunning.class, m -> relay(backend.running(), Loaded::new, f -> f, m.replyTo()))
        .onMessage(GetVersion.class, m -> relay(backend.version(), Version::new, f -> f, m.replyTo()))
        .onMessage(ShowModel.class, this::onShow)
        .build();
  }

  private Behavior<Command> onShow(ShowModel m) {
    backend.show(m.model()).whenComplete((d, e) -> {
      if (d != null) {
        m.replyTo().tell(new Shown(d));
      } else if (BackendException.from(e).kind() == BackendException.Kind.UNKNOWN_MODEL) {
        // name the models there are, as of now
        backend.models().whenComplete((models, ignored) -> {
          List<String> names = models == null ? List.of() : new ModelCatalog(models).names();
          m.replyTo().tell(new Failed(Failure.UNKNOWN_MODEL, ModelCatalog.notFound(m.model(), names), names));
        });
      } else {
        m.replyTo().tell(unavailable(e));
      }
    });
    return this;
  }

  /** Tells {@code to} the server's answer, or why there is none ({@code failure} only widens the type). */
  private <T, M> Behavior<Command> relay(CompletionStage<T> answer, Function<T, M> wrap, Function<Failed, M> failure,
      ActorRef<M> to) {
    answer.whenComplete((value, e) -> to.tell(value != null ? wrap.apply(value) : failure.apply(unavailable(e))));
    return this;
  }

  private static Failed unavailable(Throwable e) {
    BackendException b = BackendException.from(e);
    return new Failed(b.kind() == BackendException.Kind.REJECTED ? Failure.REJECTED : Failure.UNAVAILABLE, b.getMessage(),
        List.of());
  }
}

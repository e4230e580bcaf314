package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.BackendHealth;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** The inference door: is Ollama answering, what is queued and resident, how fast it answers. */
public final class InferenceHealth implements HealthCheck {
  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final Duration timeout;

  public InferenceHealth(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, Duration timeout) {
    this.inference = inference;
    this.system = system;
    this.timeout = timeout;
  }

  @Override
  public String component() {
    return "inference";
  }

  @Override
  public CompletionStage<ComponentHealth> check() {
    return AskPattern.<InferenceActor.Command, InferenceStatus>ask(inference, InferenceActor.GetStatus::new,
        timeout, system.scheduler()).thenApply(s -> {
          Map<String, Object> figures = new LinkedHashMap<>();
          figures.put("queued", s.queuedPerClass());
          figures.put("running", s.running().size());
          figures.put("resident_models", s.resident().stream().map(InferenceStatus.ResidentModel::model).toList());
          figures.put("resident_bytes", s.usedBytes());
          figures.put("budget_bytes", s.budgetBytes());
          figures.put("loads", s.loads());
          figures.put("unloads", s.unloads());
          figures.put("server_loads", s.serverLoads());
          s.learnedResidentLimit().ifPresent(l -> figures.put("server_resident_limit", l));
          figures.put("disagreements_with_server", s.disagreements());
          s.watchdogAlarm().ifPresent(a -> figures.put("watchdog", a));
          s.avgTimeToFirstTokenMillis().ifPresent(t -> figures.put("time_to_first_token_ms", Math.round(t)));
          s.tokensPerSecond().ifPresent(t -> figures.put("tokens_per_second", Math.round(t * 10) / 10.0));
          boolean up = s.backend() == BackendHealth.State.UP;
          ComponentHealth.Status status = switch (s.backend()) {
            case UP -> s.warnings().isEmpty() && s.watchdogAlarm().isEmpty() ? ComponentHealth.Status.UP
                : ComponentHealth.Status.DEGRADED;
            // Ollama away is degraded, not down: the daemon still serves everything else and requests wait for it
            case DEGRADED, DOWN -> ComponentHealth.Status.DEGRADED;
          };
          String detail = up
              ? (s.warnings().isEmpty() ? "Ollama answers" : String.join("; ", s.warnings()))
              : "Ollama: " + s.backendDetail();
          detail = s.watchdogAlarm().map(a -> "watchdog: " + a).orElse("") + (s.watchdogAlarm().isPresent() ? "; " : "")
              + detail;
          return new ComponentHealth(component(), status, detail, figures);
        });
  }
}

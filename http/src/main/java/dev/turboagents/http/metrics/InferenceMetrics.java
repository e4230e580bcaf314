package dev.turboagents.http.metrics;

import dev.turboagents.actors.inference.DoorEvent;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.actors.inference.Priority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The inference door's figures as meters, read from its last {@link InferenceStatus} (taken at each
 * scrape): queue depth and the longest wait per priority class, requests running, completed and
 * failed, loads and unloads, each resident model's bytes and measured load time against the budget,
 * the average time to first token and tokens per second. And, from the {@link DoorEvent}s the door
 * publishes as they happen: loads (by the door, or by Ollama on its own), unloads and load time per
 * model, and the time each request waited in the queue per priority class (a histogram). And each
 * class's model time spent today against its daily budget.
 */
public final class InferenceMetrics {
  private final AtomicReference<Optional<InferenceStatus>> last = new AtomicReference<>(Optional.empty());
  private final MultiGauge queued;
  private final MultiGauge oldestWait;
  private final MultiGauge residentBytes;
  private final MultiGauge loadSeconds;
  private final MultiGauge modelTimeSpent;
  private final MultiGauge modelTimeBudget;
  private final MeterRegistry registry;
  private final AtomicBoolean listening = new AtomicBoolean();

  public InferenceMetrics(MeterRegistry registry) {
    this.registry = registry;
    gauge(registry, "inference.budget.bytes", "The memory budget for resident models", s -> s.budgetBytes());
    gauge(registry, "inference.resident.used.bytes", "Bytes the resident models take", s -> s.usedBytes());
    gauge(registry, "inference.running.requests", "Model calls running now", s -> s.running().size());
    gauge(registry, "inference.time.to.first.token.seconds", "Average time to the first token of the recent calls",
        s -> s.avgTimeToFirstTokenMillis().map(ms -> ms / 1000).orElse(Double.NaN));
    gauge(registry, "inference.tokens.per.second", "Average generation speed of the recent calls",
        s -> s.tokensPerSecond().orElse(Double.NaN));
    counter(registry, "inference.requests.completed", "Model calls that finished", s -> s.completed());
    counter(registry, "inference.requests.failed", "Model calls that failed", s -> s.failed());
    counter(registry, "inference.model.loads", "Model loads the door asked for", s -> s.loads());
    counter(registry, "inference.model.unloads", "Model unloads the door asked for", s -> s.unloads());
    queued = MultiGauge.builder("inference.queue.depth").description("Requests waiting, per priority class")
        .register(registry);
    oldestWait = MultiGauge.builder("inference.queue.oldest.wait.seconds")
        .description("How long the longest-waiting request of each priority class has waited").register(registry);
    residentBytes = MultiGauge.builder("inference.model.resident.bytes").description("Bytes of each resident model")
        .register(registry);
    loadSeconds = MultiGauge.builder("inference.model.load.seconds")
        .description("Measured load time of each resident model").register(registry);
    modelTimeSpent = MultiGauge.builder("inference.model.time.spent.seconds")
        .description("Model time the calls of each priority class held today (daily-model-time; back to 0 at midnight)")
        .register(registry);
    modelTimeBudget = MultiGauge.builder("inference.model.time.budget.seconds")
        .description("The daily budget of model time of each priority class that has one").register(registry);
  }

  /** Records the door's events of {@code system} from now on (once; later calls do nothing). */
  public void listen(ActorSystem<?> system) {
    if (!listening.compareAndSet(false, true)) {
      return;
    }
    ActorRef<DoorEvent> listener = system.systemActorOf(Behaviors.receive(DoorEvent.class)
        .onMessage(DoorEvent.class, e -> {
          record(e);
          return Behaviors.same();
        }).build(), "inference-metrics-" + System.identityHashCode(this), Props.empty());
    system.eventStream().tell(new EventStream.Subscribe<>(DoorEvent.class, listener));
  }

  void record(DoorEvent event) {
    switch (event) {
      case DoorEvent.Waited w -> Timer.builder("inference.queue.wait").description("Time requests waited in the queue"
              + " before they ran, per priority class (their own class)").tag("class", w.priority().label())
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
          .register(registry).record(Duration.ofNanos(w.nanos()));
      case DoorEvent.Loaded l -> {
        String origin = l.byTheDoor() ? "door" : "ollama";
        Counter.builder("inference.loads").description("Model loads per model: asked by the door, or made by Ollama"
            + " on its own for a call").tags("model", l.model(), "origin", origin).register(registry).increment();
        Timer.builder("inference.load.duration").description("Time each model load took")
            .tags("model", l.model(), "origin", origin).register(registry).record(Duration.ofNanos(l.nanos()));
      }
      case DoorEvent.Unloaded u -> Counter.builder("inference.unloads").description("Model unloads the door made, per model")
          .tag("model", u.model()).register(registry).increment();
    }
  }

  /** Takes the door's status as the figures to show. */
  public void update(InferenceStatus status) {
    last.set(Optional.of(status));
    List<MultiGauge.Row<?>> depth = new ArrayList<>();
    List<MultiGauge.Row<?>> wait = new ArrayList<>();
    for (Priority p : Priority.values()) {
      depth.add(MultiGauge.Row.of(Tags.of("class", p.label()), status.queuedPerClass().getOrDefault(p.label(),
          status.queuedPerClass().getOrDefault(p.name(), 0))));
      long waited = status.queue().stream().filter(q -> q.priority() == p).mapToLong(InferenceStatus.QueuedRequest::waitedMillis)
          .max().orElse(0);
      wait.add(MultiGauge.Row.of(Tags.of("class", p.label()), waited / 1000.0));
    }
    queued.register(depth, true);
    oldestWait.register(wait, true);
    List<MultiGauge.Row<?>> bytes = new ArrayList<>();
    List<MultiGauge.Row<?>> loads = new ArrayList<>();
    for (InferenceStatus.ResidentModel m : status.resident()) {
      bytes.add(MultiGauge.Row.of(Tags.of("model", m.model(), "phase", m.phase()), m.bytes()));
      m.measuredLoadMillis().ifPresent(ms -> loads.add(MultiGauge.Row.of(Tags.of("model", m.model()), ms / 1000.0)));
    }
    residentBytes.register(bytes, true);
    loadSeconds.register(loads, true);
    List<MultiGauge.Row<?>> spent = new ArrayList<>();
    List<MultiGauge.Row<?>> budgets = new ArrayList<>();
    for (InferenceStatus.ModelTime t : status.modelTime()) {
      spent.add(MultiGauge.Row.of(Tags.of("class", t.priority().label()), t.spentMillis() / 1000.0));
      t.budgetMillis().ifPresent(ms -> budgets.add(MultiGauge.Row.of(Tags.of("class", t.priority().label()), ms / 1000.0)));
    }
    modelTimeSpent.register(spent, true);
    modelTimeBudget.register(budgets, true);
  }

  private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<InferenceStatus> value) {
    Gauge.builder(name, this, m -> m.last.get().map(value::applyAsDouble).orElse(Double.NaN)).description(description)
        .strongReference(true).register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<InferenceStatus> value) {
    FunctionCounter.builder(name, this, m -> m.last.get().map(value::applyAsDouble).orElse(0.0)).description(description)
        .register(registry);
  }
}

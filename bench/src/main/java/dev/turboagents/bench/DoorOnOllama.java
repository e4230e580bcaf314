package dev.turboagents.bench;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.config.Settings;
import dev.turboagents.http.HttpServer;
import dev.turboagents.http.ollama.OllamaRoutes;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The daemon's inference door and its Ollama routes on a loopback port, in front of a real Ollama:
 * what the real-tier benchmarks send their requests through. Memory budget 600 MiB (smollm2 and
 * gemma3 do not fit together), the daemon's defaults otherwise; {@code overrides} and any
 * {@code -Dturbo-agents.<key>=<value>} on the JVM change them.
 */
final class DoorOnOllama implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final OllamaBackend backend;
  private final ServerBinding binding;
  /** The inference actor. */
  final ActorRef<InferenceActor.Command> door;
  /** Where its Ollama routes answer. */
  final String url;

  private DoorOnOllama(ActorSystem<Void> system, OllamaBackend backend, ActorRef<InferenceActor.Command> door,
      ServerBinding binding) {
    this.system = system;
    this.backend = backend;
    this.door = door;
    this.binding = binding;
    this.url = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  static DoorOnOllama start(String ollama, Map<String, Object> overrides) throws Exception {
    Map<String, Object> all = new HashMap<>();
    all.put("turbo-agents.inference.memory-budget", "600MiB");
    all.put("turbo-agents.inference.request-timeout", "5m");
    all.putAll(overrides);
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("turbo-agents."))
        .forEach(k -> all.put(k, System.getProperty(k)));
    Settings settings = Settings.forTest(Files.createTempDirectory("real-ollama-bench"), all);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "real-ollama-bench", settings.config());
    OllamaBackend backend = new OllamaBackend(ollama, settings.inference());
    try {
      ActorRef<InferenceActor.Command> inference = system.systemActorOf(
          InferenceActor.create(settings.inference(), backend, MemoryBudget.resolve(settings.inference())), "inference",
          org.apache.pekko.actor.typed.Props.empty());
      Duration deadline = settings.inference().defaultDeadline();
      ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0)
          .adaptSettings(s -> HttpServer.idleAtLeast(s, deadline.plus(settings.http().idleMargin())))
          .bind(new OllamaRoutes(inference, system, 1 << 20, Duration.ofSeconds(10),
              deadline.plus(settings.inference().replyMargin()), settings.http().retryAfter()).route())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      return new DoorOnOllama(system, backend, inference, binding);
    } catch (Exception e) {
      backend.close();
      system.terminate();
      throw e;
    }
  }

  ActorSystem<Void> system() {
    return system;
  }

  InferenceStatus status() throws Exception {
    return AskPattern.<InferenceActor.Command, InferenceStatus>ask(door, InferenceActor.GetStatus::new,
        Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().get();
  }

  @Override
  public void close() throws Exception {
    try {
      binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } finally {
      backend.close();
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}

package dev.turboagents.actors.telemetry;

import dev.turboagents.config.TelemetrySettings;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.slf4j.LoggerFactory;

/**
 * The actor system's traces: one per system, built from {@code turbo-agents.telemetry}. Off, it is
 * OpenTelemetry's no-op (no exporter, no threads); on, spans are batched to the OTLP/HTTP collector
 * and what is left is flushed when CoordinatedShutdown runs.
 */
public final class Telemetry implements Extension {

  private final Optional<SdkTracerProvider> provider;
  private final GenAiSpans spans;

  private Telemetry(Optional<SdkTracerProvider> provider, OpenTelemetry otel) {
    this.provider = provider;
    this.spans = new GenAiSpans(otel.getTracer("dev.turboagents"), provider.isPresent());
  }

  /** The system's telemetry (built on first use). */
  public static Telemetry get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  public GenAiSpans spans() {
    return spans;
  }

  /** Whether spans are exported (telemetry is on). */
  public boolean exporting() {
    return provider.isPresent();
  }

  /** Sends every span ended so far; true when the collector took them within the export timeout. */
  public boolean flush(java.time.Duration within) {
    return provider.map(p -> p.forceFlush().join(within.toMillis(), TimeUnit.MILLISECONDS).isSuccess()).orElse(true);
  }

  static Telemetry create(ActorSystem<?> system) {
    TelemetrySettings settings = TelemetrySettings.of(system.settings().config());
    if (!settings.enabled()) {
      return new Telemetry(Optional.empty(), OpenTelemetry.noop());
    }
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(settings.otlpEndpoint() + "/v1/traces")
        .setTimeout(settings.exportTimeout())
        .build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.of(AttributeKey.stringKey("service.name"), settings.serviceName()))))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setExporterTimeout(settings.exportTimeout()).build())
        .build();
    OpenTelemetry otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    LoggerFactory.getLogger(Telemetry.class).info("telemetry: GenAI spans go to {}/v1/traces as {}",
        settings.otlpEndpoint(), settings.serviceName());
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "telemetry-flush", () -> {
      // after the actors stopped, so the spans their stop ended are sent too
      provider.shutdown().join(settings.exportTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    return new Telemetry(Optional.of(provider), otel);
  }

  /** The extension's id. */
  public static final class Id extends ExtensionId<Telemetry> {
    static final Id INSTANCE = new Id();

    @Override
    public Telemetry createExtension(ActorSystem<?> system) {
      return Telemetry.create(system);
    }
  }
}

package dev.turboagents.supervisors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How a subsystem's supervisor tells the rest of the daemon where its start stands: what it is
 * doing now (shown in /health and in the 503 its routes answer meanwhile), then the API it offers
 * once it serves, or why it could not start. Written by the supervisor, read from any thread.
 *
 * @param <T> what the subsystem offers once it serves (the tracker facade, the graph, the inference actor)
 */
public final class Startup<T> {
  private final CompletableFuture<T> api = new CompletableFuture<>();
  private volatile String progress;

  public Startup(String progress) {
    this.progress = progress;
  }

  /** What the subsystem is doing while it starts, in a few words ("starting Neo4j"). */
  public void progress(String now) {
    this.progress = now;
  }

  public String progress() {
    return progress;
  }

  /** The subsystem serves; {@code offered} is what its routes, health checks and other subsystems use. */
  public void ready(T offered) {
    api.complete(offered);
  }

  /** The subsystem cannot start; it stays down and says why. */
  public void failed(Throwable cause) {
    api.completeExceptionally(cause);
  }

  /** Completes once the subsystem serves; fails when it cannot start. */
  public CompletionStage<T> api() {
    return api;
  }

  public boolean isReady() {
    return api.isDone() && !api.isCompletedExceptionally();
  }
}

package dev.turboagents.health;

import java.util.concurrent.CompletionStage;

/** A component that can say how it is. The health route asks every registered check at once. */
public interface HealthCheck {

  String component();

  /** Completes with the component's health; a failed or late stage is reported as DOWN. */
  CompletionStage<ComponentHealth> check();
}

package dev.turboagents.actors.autonomy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Whether the autonomy is paused, for any autonomous work to consult before it starts something
 * ({@link #paused()} is a {@link BooleanSupplier}). The schedules set it from their journal: at
 * recovery and on every pause and resume, so it survives a restart. Until the journal is read it
 * says paused: nothing autonomous starts before the daemon knows.
 */
public final class AutonomyControls {
  private final AtomicBoolean paused = new AtomicBoolean(true);

  /** The hook other autonomous work takes: true while the autonomy is paused. */
  public BooleanSupplier paused() {
    return paused::get;
  }

  void set(boolean value) {
    paused.set(value);
  }
}

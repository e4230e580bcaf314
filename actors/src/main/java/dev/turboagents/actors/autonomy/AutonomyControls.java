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
  private final AtomicBoolean known = new AtomicBoolean(false);

  /** The hook other autonomous work takes: true while the autonomy is paused. */
  public BooleanSupplier paused() {
    return paused::get;
  }

  /**
   * True only while the autonomy is known to be paused: work that must not lose what it sees in
   * the meantime (the tracker's triggers skip the events they see while paused) takes this one, so
   * the events replayed right after a start, before the schedules' journal is read, are not skipped.
   */
  public BooleanSupplier knownPaused() {
    return () -> known.get() && paused.get();
  }

  void set(boolean value) {
    paused.set(value);
    known.set(true);
  }
}

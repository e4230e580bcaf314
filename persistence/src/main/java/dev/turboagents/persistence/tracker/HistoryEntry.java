package dev.turboagents.persistence.tracker;

import java.time.Instant;

/** One journaled event of an entity, oldest first: its sequence number, kind, time and content. */
public record HistoryEntry(long sequence, String type, Instant at, Object event) {}

package dev.turboagents.persistence.graph;

import java.time.Instant;

/**
 * One change of a dated fact: {@code attribute} = {@code value} of {@code subject} began or ended
 * {@code at}, by the journal event {@code source} ({@code <persistence id>#<sequence nr>}).
 *
 * @param change "began" or "ended"
 */
public record FactChange(Instant at, String change, EntityRef subject, String attribute, String value, String source) {}

package dev.turboagents.persistence.issues;

import dev.turboagents.persistence.CborSerializable;
import java.time.Instant;

/** A comment on an issue; the author is a person or an agent's name. */
public record Comment(String id, String text, String author, Instant createdAt) implements CborSerializable {}

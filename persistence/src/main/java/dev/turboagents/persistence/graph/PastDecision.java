package dev.turboagents.persistence.graph;

import java.util.Optional;

/**
 * A decision an agent (or a person) took on an issue or on one related to it, for the context of a
 * new task ("learn from past decisions").
 *
 * @param issueId the issue the decision is on: the one asked about or a related one
 * @param via how that issue relates to the one asked about: "this issue", or the relationship
 *     ("BLOCKS>", "&lt;DUPLICATE_OF" ...)
 * @param jobId the job it was decided in, when a job decided it
 */
public record PastDecision(String id, String title, String text, String issueId, String via, Optional<String> jobId) {}

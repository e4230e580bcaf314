package dev.turboagents.persistence.tracker;

import dev.turboagents.persistence.issues.Issue;
import java.util.List;

/** An issue with what only the whole tracker knows: the issues it blocks. */
public record IndexedIssue(Issue issue, List<String> blocks) {}

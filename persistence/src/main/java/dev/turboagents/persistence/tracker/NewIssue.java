package dev.turboagents.persistence.tracker;

import dev.turboagents.persistence.issues.Priority;
import java.util.List;
import java.util.Optional;

/** A request to open an issue, as a client sends it. */
public record NewIssue(String title, String description, Optional<Priority> priority, List<String> labels,
    Optional<String> assignee, Optional<String> projectId, String author) {}

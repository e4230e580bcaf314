package dev.turboagents.supervisors;

import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;

/** What the supervision tree started, handed to the HTTP layer once every subsystem is up. */
public record Subsystems(Tracker tracker, Graph graph, List<HealthCheck> healthChecks) {}

package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** What the supervision tree started, handed to the HTTP layer once every subsystem is up. */
public record Subsystems(Tracker tracker, Graph graph, ActorRef<InferenceActor.Command> inference,
    List<HealthCheck> healthChecks) {}

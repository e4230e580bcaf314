package dev.turboagents.supervisors;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The agents: how many jobs are in each status, and whether the code agent has a workspace. */
public final class AgentsHealth implements HealthCheck {
  private final AgentJobs agents;

  public AgentsHealth(AgentJobs agents) {
    this.agents = agents;
  }

  @Override
  public String component() {
    return "agents";
  }

  @Override
  public CompletionStage<ComponentHealth> check() {
    return agents.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.empty())).thenApply(jobs -> {
      Map<String, Object> figures = new LinkedHashMap<>();
      Arrays.stream(JobStatus.values()).forEach(s -> figures.put(s.label(),
          jobs.stream().map(Job::status).filter(s::equals).count()));
      return ComponentHealth.up(component(), agents.hasWorkspace() ? "the code agent has a workspace"
          : "no workspace: code jobs are refused (--workspace)", figures);
    });
  }
}

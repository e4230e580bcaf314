package dev.turboagents.supervisors;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.tools.workspace.WorkspaceCodeIndex;
import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The workspace's code index (what search_codebase searches): {@code state} indexing / ready /
 * unavailable, the files and chunks it holds and the commit it indexed. Up while it indexes in the
 * background (the code agent works meanwhile, its search sees more as it goes); starting while the
 * graph it lives in starts; degraded when a workspace is configured but its index cannot be made
 * (the graph failed, a clone that failed).
 */
public final class CodeIndexHealth implements HealthCheck {
  private final AgentJobs agents;

  public CodeIndexHealth(AgentJobs agents) {
    this.agents = agents;
  }

  @Override
  public String component() {
    return "code_index";
  }

  @Override
  public CompletionStage<ComponentHealth> check() {
    WorkspaceCodeIndex index = agents.codeIndex();
    WorkspaceCodeIndex.Status s = index.status();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("state", s.state().name().toLowerCase(Locale.ROOT));
    if (s.files() >= 0) {
      figures.put("files", s.files());
      figures.put("chunks", s.chunks());
    }
    s.commit().ifPresent(c -> figures.put("commit", c));
    s.indexing().ifPresent(c -> figures.put("indexing_commit", c));
    boolean unavailable = s.state() == WorkspaceCodeIndex.State.UNAVAILABLE && agents.hasWorkspace();
    ComponentHealth.Status status = !unavailable ? ComponentHealth.Status.UP
        : index.waitingForGraph() ? ComponentHealth.Status.STARTING : ComponentHealth.Status.DEGRADED;
    return CompletableFuture.completedFuture(new ComponentHealth(component(), status, s.detail(), figures));
  }
}

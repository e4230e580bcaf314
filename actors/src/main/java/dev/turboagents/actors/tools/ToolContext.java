package dev.turboagents.actors.tools;

import dev.turboagents.actors.tools.workspace.JobCheckout;
import java.util.Optional;

/**
 * Who calls a tool, for what: the job and its step (the key of any side effect), the agent (whose
 * permissions apply), the issue it works on and its checkout (where file tools are confined).
 */
public record ToolContext(String jobId, int step, String agent, Optional<String> issueId, Optional<JobCheckout> checkout) {

  /** The side-effect key of this call: job and step. */
  public String key() {
    return jobId + "/" + step;
  }
}

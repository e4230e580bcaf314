package dev.turboagents.persistence.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.persistence.entity.TrackerEntity;
import dev.turboagents.persistence.jobs.JobEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What each agent-job event means for the knowledge graph: the job (WORKS_ON its issue), its
 * outcome, the commit it PRODUCED, the files job and commit TOUCH, and the decisions it took
 * (DECIDED_IN the job, and in the issue each is about). Files and decisions come from the job's
 * structured output: {@code "files": [path]} (what its commit changed) and {@code "decisions":
 * [{"issue_id"?, "title", "text"}]}. The steps of the work (turns, tool calls) are no knowledge.
 */
final class JobEventWrites {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JobEventWrites() {}

  static List<GraphWrite> of(String persistenceId, Object event) {
    String id = TrackerEntity.idOf(persistenceId);
    EntityRef job = new EntityRef(EntityType.JOB, id);
    return switch (event) {
      case JobEntity.JobAccepted a -> {
        List<GraphWrite> writes = new ArrayList<>();
        writes.add(new GraphWrite.RecordJob(id, a.agent() + " job" + a.issueId().map(i -> " on issue " + i).orElse("")
            + " (asked by " + a.requestedBy() + ")", a.context().orElse(""), "queued"));
        a.issueId().ifPresent(i -> writes.add(new GraphWrite.Link(job, Relation.WORKS_ON, EntityRef.issue(i))));
        yield writes;
      }
      case JobEntity.JobRunning r -> List.of(new GraphWrite.UpdateJob(id, "running", Optional.empty()));
      case JobEntity.JobWaiting w -> List.of(new GraphWrite.UpdateJob(id, "waiting", Optional.empty()));
      case JobEntity.JobFailed f -> List.of(new GraphWrite.UpdateJob(id, "failed", Optional.of(f.reason())));
      case JobEntity.JobCancelled c -> List.of(new GraphWrite.UpdateJob(id, "cancelled", Optional.of(c.reason())));
      case JobEntity.JobSucceeded s -> succeeded(id, job, s);
      default -> List.of();
    };
  }

  private static List<GraphWrite> succeeded(String id, EntityRef job, JobEntity.JobSucceeded s) {
    List<GraphWrite> writes = new ArrayList<>();
    writes.add(new GraphWrite.UpdateJob(id, "succeeded", Optional.of(s.result())));
    JsonNode output = s.output().map(JobEventWrites::read).orElse(JSON.nullNode());
    List<String> files = new ArrayList<>();
    output.path("files").forEach(f -> {
      if (f.isTextual() && !f.asText().isBlank()) {
        files.add(f.asText());
      }
    });
    Optional<EntityRef> commit = s.commit().map(c -> new EntityRef(EntityType.COMMIT, c));
    if (commit.isPresent()) {
      writes.add(new GraphWrite.RecordCommit(commit.get().id(), s.result().isBlank() ? "Commit of job " + id
          : s.result() + s.branch().map(b -> "\n\nBranch " + b + ", job " + id).orElse("")));
      writes.add(new GraphWrite.Link(job, Relation.PRODUCED, commit.get()));
    }
    for (String file : files) {
      writes.add(new GraphWrite.TouchFile(job, file));
      commit.ifPresent(c -> writes.add(new GraphWrite.TouchFile(c, file)));
    }
    int n = 0;
    for (JsonNode d : output.path("decisions")) {
      n++;
      String title = d.path("title").asText("").strip();
      String text = d.path("text").asText("").strip();
      if (title.isEmpty() && text.isEmpty()) {
        continue;
      }
      EntityRef decision = new EntityRef(EntityType.DECISION, id + "/" + n);
      writes.add(new GraphWrite.RecordDecision(decision.id(), title.isEmpty() ? text.lines().findFirst().orElse(text) : title,
          text, job));
      String issue = d.path("issue_id").asText("").strip();
      if (!issue.isEmpty()) {
        writes.add(new GraphWrite.Link(decision, Relation.DECIDED_IN, EntityRef.issue(issue)));
      }
    }
    return writes;
  }

  /** A malformed output (never written by our agents) is no knowledge rather than a stuck projection. */
  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return JSON.nullNode();
    }
  }
}

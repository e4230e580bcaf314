package dev.turboagents.persistence.graph;

import dev.turboagents.persistence.issues.IssueEntity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.neo4j.driver.Session;

/**
 * The issues as the graph holds them, to compare with the journal (the nightly's graph check), and
 * one issue projected again from its journal events, the same writes the projection makes (every
 * one a MERGE or an absolute SET, so it changes nothing where the graph was right).
 */
public final class GraphIssues {
  private final GraphStore store;

  public GraphIssues(GraphStore store) {
    this.store = store;
  }

  /** One issue node: its title and status, the issues that block it, what it duplicates, its comments. */
  public record InGraph(String id, String title, String status, Set<String> blockedBy, Optional<String> duplicateOf,
      int comments) {}

  /** Every issue node that has a title (a bare node made by a link is no projected issue), by id. */
  public Map<String, InGraph> issues() {
    try (Session session = store.driver().session()) {
      Map<String, InGraph> out = new LinkedHashMap<>();
      session.run("""
          MATCH (i:Issue) WHERE i.title IS NOT NULL
          RETURN i.id AS id, i.title AS title, coalesce(i.status, '') AS status,
                 [(b:Issue)-[:BLOCKS]->(i) | b.id] AS blockers, [(i)-[:DUPLICATE_OF]->(d:Issue) | d.id] AS duplicates,
                 COUNT { (:Comment)-[:ON]->(i) } AS comments
          """).list().forEach(r -> {
            List<String> duplicates = r.get("duplicates").asList(v -> v.asString());
            out.put(r.get("id").asString(), new InGraph(r.get("id").asString(), r.get("title").asString(),
                r.get("status").asString(), Set.copyOf(r.get("blockers").asList(v -> v.asString())),
                duplicates.stream().sorted().findFirst(), r.get("comments").asInt()));
          });
      return out;
    }
  }

  /**
   * Writes issue {@code issueId} again from its journal {@code events} (oldest first), after taking
   * away the blocker and duplicate links the journal does not have ({@code blockedBy},
   * {@code duplicateOf}: the issue as the journal has it now). Dated facts are not written: they
   * live apart from the issue node and keep the offsets the projection gave them.
   */
  public void reproject(String issueId, List<IssueEntity.Event> events, Set<String> blockedBy, Optional<String> duplicateOf) {
    EntityRef self = EntityRef.issue(issueId);
    List<GraphWrite> writes = new ArrayList<>();
    InGraph now = issues().get(issueId);
    if (now != null) {
      now.blockedBy().stream().filter(b -> !blockedBy.contains(b))
          .forEach(b -> writes.add(new GraphWrite.Unlink(EntityRef.issue(b), Relation.BLOCKS, self)));
      now.duplicateOf().filter(d -> !duplicateOf.equals(Optional.of(d)))
          .ifPresent(d -> writes.add(new GraphWrite.Unlink(self, Relation.DUPLICATE_OF, EntityRef.issue(d))));
    }
    String persistenceId = IssueEntity.TYPE + "|" + issueId;
    events.forEach(e -> writes.addAll(TrackerEventWrites.of(persistenceId, e)));
    store.apply(writes);
  }
}

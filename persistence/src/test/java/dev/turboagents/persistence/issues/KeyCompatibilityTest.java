package dev.turboagents.persistence.issues;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.turboagents.persistence.entity.KeyUse;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectEntity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Journals and snapshots written before idempotency keys existed still read: the events and states
 * as the daemon's CBOR serializer writes them, with the new fields taken out, come back with no key.
 */
class KeyCompatibilityTest {
  private static final ActorTestKit kit = ActorTestKit.create();
  private static final Serialization serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
  private static final ObjectMapper cbor = new ObjectMapper(new CBORFactory());
  private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** {@code value} written as today, minus {@code newFields}, read back. */
  private static Object asWrittenBefore(Object value, String... newFields) throws Exception {
    Serializer serializer = serialization.findSerializerFor(value);
    byte[] bytes = serializer.toBinary(value);
    ObjectNode tree = (ObjectNode) cbor.readTree(bytes);
    for (String field : newFields) {
      assertTrue(tree.has(field), "today's form has " + field + ": " + tree);
      tree.remove(field);
    }
    return serialization.deserialize(cbor.writeValueAsBytes(tree), serializer.identifier(),
        Serializers.manifestFor(serializer, value)).get();
  }

  @Test
  void jobEventsWrittenBeforeAgentInputReadAsEmpty() throws Exception {
    var budget = new JobBudget(6, Duration.ofMinutes(5), 1000);
    var accepted = new JobEntity.JobAccepted("code", Optional.of("i-1"),
        Optional.empty(), Optional.of("{\"batch\":\"new_issues\"}"), "cli", budget, T);
    var old = (JobEntity.JobAccepted) asWrittenBefore(accepted, "input");
    assertEquals(Optional.empty(), old.input());
    assertEquals("code", old.agent());
    var succeeded = new JobEntity.JobSucceeded("done", Optional.of("[]"),
        Optional.empty(), Optional.empty(), T);
    assertEquals(Optional.empty(),
        ((JobEntity.JobSucceeded) asWrittenBefore(succeeded, "output")).output());
  }

  @Test
  void oldEventsReadWithoutAKey() throws Exception {
    var comment = new IssueEntity.CommentAdded(new Comment("c1", "hi", "bob", T));
    assertEquals(comment, asWrittenBefore(comment, "key"));
    var created = new IssueEntity.IssueCreated("t", "d", Priority.HIGH, List.of("x"), Optional.empty(), Optional.empty(), "bob", T);
    assertEquals(created, asWrittenBefore(created, "key"));
    var project = new ProjectEntity.ProjectCreated("p", "d", "bob", T);
    assertEquals(project, asWrittenBefore(project, "key"));
  }

  @Test
  void oldSnapshotsReadWithNothingRemembered() throws Exception {
    Issue issue = Issue.created("i1", new IssueEntity.IssueCreated("t", "d", Priority.LOW, List.of(), Optional.empty(),
        Optional.empty(), "bob", T));
    var active = new IssueEntity.Active(issue);
    assertEquals(active, asWrittenBefore(active, "creation", "recent"));
    var project = new ProjectEntity.Active(Project.created("p1", new ProjectEntity.ProjectCreated("p", "d", "bob", T)));
    assertEquals(project, asWrittenBefore(project, "createdWith", "asCreated"));
  }

  @Test
  void todaysKeyedStateRoundTrips() throws Exception {
    Issue issue = Issue.created("i1", new IssueEntity.IssueCreated("t", "d", Priority.LOW, List.of(), Optional.empty(),
        Optional.empty(), "bob", T));
    KeyUse use = new KeyUse("job-1/step-2", "abc");
    var active = new IssueEntity.Active(issue, Optional.of(new IssueEntity.Remembered(use, Optional.empty(), Optional.of(issue))),
        List.of(new IssueEntity.Remembered(use, Optional.of(new Comment("c1", "hi", "bob", T)), Optional.empty())));
    assertEquals(active, asWrittenBefore(active));
  }
}

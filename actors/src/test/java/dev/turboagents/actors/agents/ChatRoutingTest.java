package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.agents.ChatRouting.Route;
import dev.turboagents.actors.tools.ReleaseBlockers;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectStatus;
import dev.turboagents.persistence.tracker.IndexedIssue;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chat's pure parts: routing, the citation check, the streamed answer text, release blockers. */
class ChatRoutingTest {
  private static final String A = "11111111-1111-4111-8111-111111111111";
  private static final String B = "22222222-2222-4222-8222-222222222222";

  @Test
  void theModelsRouteIsTakenWhenItIsOneAndHasItsTarget() {
    assertEquals(Route.IMPLEMENT, ChatRouting.fromModel("implement issue " + A, "{\"route\": \"implement\"}")
        .orElseThrow().route());
    assertEquals(List.of(A), ChatRouting.fromModel("implement issue " + A, "{\"route\":\"implement\"}").orElseThrow().ids());
    var noTarget = ChatRouting.fromModel("implement the thing", "{\"route\": \"implement\"}").orElseThrow();
    assertEquals(Route.QUESTION, noTarget.route());
    assertTrue(noTarget.why().orElseThrow().contains("needs an issue id"), noTarget.toString());
    var asked = ChatRouting.fromModel("Is anything blocking release 3.0?", "{\"route\": \"triage\"}").orElseThrow();
    assertEquals(Route.QUESTION, asked.route(), "a question the model read as an action");
    assertTrue(asked.why().orElseThrow().contains("the model chose triage"), asked.toString());
    assertEquals(Route.TRIAGE, ChatRouting.fromModel("Can you triage the new issues?", "{\"route\": \"triage\"}")
        .orElseThrow().route(), "a question that names the action is that action");
    assertEquals(Route.IMPLEMENT, ChatRouting.fromModel("Could you implement " + A + "?", "{\"route\": \"implement\"}")
        .orElseThrow().route());
    assertTrue(ChatRouting.fromModel("x", "sure, a question").isEmpty());
    assertTrue(ChatRouting.fromModel("x", "{\"route\": \"deploy\"}").isEmpty());
  }

  @Test
  void theRulesRouteByKeywordsAndIds() {
    assertEquals(Route.TRIAGE, ChatRouting.byRules("please triage the new issues", "down").route());
    assertEquals(Route.SUMMARIZE, ChatRouting.byRules("summarize " + A, "down").route());
    assertEquals(Route.REVIEW, ChatRouting.byRules("review branch feature/x", "down").route());
    assertEquals(Optional.of("feature/x"), ChatRouting.byRules("review branch feature/x", "down").branch());
    assertEquals(Route.IMPLEMENT, ChatRouting.byRules("Fix " + A + " please", "down").route());
    assertEquals(Route.QUESTION, ChatRouting.byRules("What issues are blocking the v1.0 release?", "down").route());
    assertEquals("rules", ChatRouting.byRules("hello", "the door is down").by());
    assertEquals(Optional.of("the door is down"), ChatRouting.byRules("hello", "the door is down").why());
  }

  @Test
  void citationsNotInTheToolResultsAreDroppedAndCounted() {
    Citations c = Citations.check("Blocked by " + A.toUpperCase() + " and " + B + ", fixed in abc1234f.",
        "- " + A + " [open] x\ncommit abc1234f0000 y");
    assertEquals(List.of(A, "abc1234f"), c.cited());
    assertEquals(List.of(B), c.invented());
    assertEquals(List.of(), Citations.check("no ids at all, deadbeef is a word", "").cited());
    // smollm2 on the real tier glued two ids into one: neither half is a citation, the whole is invented
    String glued = A.substring(0, 24) + B.substring(24) + "de";
    Citations g = Citations.check("blocked " + glued + " [open, critical] Crash on start", "- " + A + " [open] x\n- " + B);
    assertEquals(List.of(), g.cited(), g.toString());
    assertEquals(List.of(glued), g.invented());
    assertEquals(List.of(), Citations.check("see 1a2b3c4d", "- 1a2b3c4d-1111-4111-8111-111111111111 [open] x").cited(),
        "a UUID's first part is no commit id");
  }

  @Test
  void theStreamedAnswerIsTheTextInsideTheFinalAnswerJson() {
    AnswerStream s = new AnswerStream();
    StringBuilder out = new StringBuilder();
    for (String t : List.of("{\"name\":\"final_", "answer\",\"argu", "ments\":{\"ans", "wer\": \"It is ", "\\\"done\\\"\\n",
        " now\\u0021\"}}")) {
      out.append(s.feed(t));
    }
    assertEquals("It is \"done\"\n now!", out.toString());
    assertEquals("", new AnswerStream().feed("{\"name\":\"read_issue\",\"arguments\":{\"issue_id\":\"" + A + "\"}}"));
  }

  @Test
  void aReleaseIsBlockedByItsUnfinishedBlockersAlsoBehindAnother() {
    Project v1 = new Project("p1", "v1.0", "", ProjectStatus.ACTIVE, "ada", Instant.EPOCH, Instant.EPOCH, 1);
    List<IndexedIssue> all = List.of(
        issue("r1", IssueStatus.OPEN, List.of(), Optional.of("p1"), List.of("b1", "done")),
        issue("r2", IssueStatus.OPEN, List.of("V1.0"), Optional.empty(), List.of("b2")),
        issue("b1", IssueStatus.OPEN, List.of(), Optional.empty(), List.of()),
        issue("b2", IssueStatus.IN_PROGRESS, List.of(), Optional.empty(), List.of("b3")),
        issue("b3", IssueStatus.BLOCKED, List.of(), Optional.empty(), List.of()),
        issue("done", IssueStatus.DONE, List.of(), Optional.empty(), List.of()),
        issue("other", IssueStatus.OPEN, List.of("v2.0"), Optional.empty(), List.of("x")),
        issue("x", IssueStatus.OPEN, List.of(), Optional.empty(), List.of()));
    ReleaseBlockers blockers = ReleaseBlockers.of("v1.0", all, List.of(v1));
    assertEquals(Set.of("b1", "b2", "b3"), blockers.blockerIds());
    assertEquals(2, blockers.issues().size());
    assertTrue(blockers.text().contains("- b3 [blocked, medium] title b3 -- blocks b2"), blockers.text());
    assertEquals(Optional.of("v1.0"), ReleaseBlockers.named("What issues are blocking the v1.0 release?"));
    assertEquals(Optional.of("2.1"), ReleaseBlockers.named("what blocks release 2.1"));
    assertTrue(ReleaseBlockers.of("v9", all, List.of(v1)).text().startsWith("no issue belongs"));
  }

  private static IndexedIssue issue(String id, IssueStatus status, List<String> labels, Optional<String> project,
      List<String> blockedBy) {
    return new IndexedIssue(new Issue(id, "title " + id, "", status, Priority.MEDIUM, labels, Optional.empty(), project,
        0, blockedBy, Optional.empty(), "ada", Instant.EPOCH, Instant.EPOCH, 1), List.of());
  }
}

package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.InProcessCli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue agent through the real daemon: triage of a batch (labels from the allowed set, a
 * priority, a duplicate linked above the confidence and one suggested below it, comments once), a
 * second "new_issues" batch that finds nothing, a label outside the set refused by the answer
 * schema, a summary of an issue's history, and the tools and reads going to another daemon when
 * turbo-agents.turbo-api.url names it. Models: the scripted Ollama stand-in; the graph: in-process
 * Neo4j with the real embedding model.
 */
class IssueAgentApiTest {
  private static final String MODEL = "triage:1b";

  @TempDir
  Path dataDir;

  @TempDir
  Path serverDir;

  private OllamaStandIn ollama;
  private final List<RunningApi> daemons = new ArrayList<>();
  /** What the model answers next, in order; the last one repeats. */
  private final ConcurrentLinkedDeque<String> answers = new ConcurrentLinkedDeque<>();
  private final List<String> prompts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void model() throws Exception {
    ollama = new OllamaStandIn(List.of(new StandInModel(MODEL, StandInModel.GIB, 16, 4, 64, Duration.ofMillis(20),
        500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(r -> {
      prompts.add(r.body().path("messages").toString());
      String next = answers.size() > 1 ? answers.pollFirst() : answers.peekFirst();
      return Script.Answer.text(next == null ? "{}" : next);
    });
  }

  @AfterEach
  void stop() {
    daemons.forEach(RunningApi::close);
    ollama.close();
  }

  private RunningApi daemon(Path dir, Map<String, Object> extra) throws Exception {
    Map<String, Object> settings = new HashMap<>(Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.agents.issue-model", MODEL, "turbo-agents.agents.wait-check", "100ms"));
    settings.putAll(extra);
    RunningApi api = new RunningApi(dir, settings);
    daemons.add(api);
    return api;
  }

  private static String issue(RunningApi api, String title, String description, String labels) {
    var created = api.post("/api/v1/issues", "{\"title\": \"" + title + "\", \"description\": \"" + description
        + "\", \"labels\": " + labels + "}");
    assertEquals(201, created.status(), created.body());
    return created.json().get("id").asText();
  }

  private static String decision(String id, String labels, String priority, String reason) {
    return "{\"issue_id\":\"" + id + "\",\"labels\":" + labels + ",\"priority\":\"" + priority + "\",\"reason\":\"" + reason
        + "\",\"comment\":\"Thanks for the report.\"}";
  }

  private static String finalAnswer(String... decisions) {
    return "{\"name\":\"final_answer\",\"arguments\":{\"decisions\":[" + String.join(",", decisions) + "]}}";
  }

  private static JsonNode finished(RunningApi api, String job) {
    JsonNode[] seen = new JsonNode[1];
    Eventually.assertThat(Duration.ofSeconds(90), () -> {
      seen[0] = api.get("/api/v1/agents/jobs/" + job).json();
      String status = seen[0].get("status").asText();
      if (!List.of("succeeded", "failed", "cancelled").contains(status)) {
        throw new AssertionError("job " + job + " still " + status);
      }
    });
    return seen[0];
  }

  private static JsonNode entry(JsonNode output, String id) {
    for (JsonNode e : output.get("issues")) {
      if (e.get("issue_id").asText().equals(id)) {
        return e;
      }
    }
    throw new AssertionError("no entry for " + id + " in " + output);
  }

  /** Waits until the graph has projected the issue, so its duplicates can be found. */
  private static void inGraph(RunningApi api, String title, String id) {
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      var found = api.post("/api/v1/graph/search", "{\"query\": \"" + title + "\", \"min_relevance\": 0, \"types\": [\"issue\"]}");
      if (!found.body().contains(id)) {
        throw new AssertionError("issue " + id + " not in the graph yet: " + found.body());
      }
    });
  }


  @Test
  void aBatchIsTriagedOnceWithLabelsPriorityAndDuplicates() throws Exception {
    RunningApi api = daemon(dataDir, Map.of());
    String original = issue(api, "Login page crashes on submit",
        "Clicking submit on the login page throws a null pointer exception and the page goes blank.", "[\"auth\"]");
    String copy = issue(api, "Login page crashes on submit",
        "Clicking submit on the login page throws a null pointer exception and the page goes blank!", "[]");
    String similar = issue(api, "Sign-in form error after pressing the button",
        "When I press the button on the sign-in form the login page shows an exception instead of logging me in.", "[]");
    String other = issue(api, "Add a dark theme to the settings", "Please offer a dark colour theme.", "[]");
    for (String id : List.of(original, copy, similar, other)) {
      inGraph(api, id.equals(other) ? "dark theme" : "login page", id);
    }

    assertEquals(400, api.post("/api/v1/agents/issue/triage", "{}").status());
    var wrongBatch = api.post("/api/v1/agents/issue/triage", "{\"batch\": \"all\"}");
    assertEquals(400, wrongBatch.status());
    assertTrue(wrongBatch.body().contains("batch"), wrongBatch.body());
    assertEquals(400, api.post("/api/v1/agents/issue/triage", "{\"batch\": []}").status());
    var unknown = api.post("/api/v1/agents/issue/triage", "{\"batch\": [\"" + original + "\", \"no-such-issue\"]}");
    assertEquals(404, unknown.status());
    assertTrue(unknown.body().contains("no-such-issue"), unknown.body());

    answers.add("{\"name\":\"search_similar_issues\",\"arguments\":{\"description\":\"login page crashes\"}}");
    answers.add(finalAnswer(decision(original, "[\"bug\",\"auth\"]", "high", "login is broken for everyone"),
        decision(copy, "[\"bug\"]", "high", "same crash"),
        decision(similar, "[\"bug\"]", "medium", "sign-in error"),
        decision(other, "[\"feature\"]", "low", "cosmetic wish")));
    var accepted = api.post("/api/v1/agents/issue/triage", "{\"batch\": \"new_issues\", \"auto_comment\": true}");
    assertEquals(202, accepted.status(), accepted.body());
    assertEquals(4, accepted.json().get("issue_ids").size(), accepted.body());
    JsonNode job = finished(api, accepted.json().get("job_id").asText());
    assertEquals("succeeded", job.get("status").asText(), job.toString());
    assertEquals("issue", job.get("agent").asText());

    String prompt = prompts.getFirst();
    assertTrue(prompt.contains("auth") && prompt.contains("bug") && prompt.contains("feature"),
        "the model is shown the label set (used labels and the defaults): " + prompt);
    JsonNode output = job.get("output");
    JsonNode copyEntry = entry(output, copy);
    assertEquals(original, copyEntry.get("duplicate_of").get("issue_id").asText(), output.toString());
    assertTrue(copyEntry.get("duplicate_of").get("confidence").asDouble() >= 0.9, output.toString());
    JsonNode copied = api.get("/api/v1/issues/" + copy).json();
    assertEquals(original, copied.get("duplicate_of").asText(), "linked as duplicate_of in the tracker");
    assertEquals("closed", copied.get("status").asText());

    JsonNode similarEntry = entry(output, similar);
    assertTrue(similarEntry.get("duplicate_of").isNull(), "below the link confidence nothing is linked: " + similarEntry);
    List<String> suggested = new ArrayList<>();
    similarEntry.get("suggested_duplicates").forEach(s -> suggested.add(s.get("issue_id").asText()));
    assertTrue(suggested.contains(original), "but suggested: " + output);
    JsonNode similarIssue = api.get("/api/v1/issues/" + similar).json();
    assertEquals("open", similarIssue.get("status").asText());
    assertEquals(1, similarIssue.get("comments").size(), similarIssue.toString());
    String comment = similarIssue.get("comments").get(0).get("text").asText();
    assertTrue(comment.contains("Possibly a duplicate of") && comment.contains(original) && comment.contains("medium"), comment);
    assertEquals("agent:issue", similarIssue.get("comments").get(0).get("author").asText());

    JsonNode otherEntry = entry(output, other);
    assertTrue(otherEntry.get("duplicate_of").isNull() && otherEntry.get("suggested_duplicates").isEmpty(), otherEntry.toString());
    assertEquals("low cosmetic wish", otherEntry.get("priority").asText() + " " + otherEntry.get("reason").asText());
    JsonNode otherIssue = api.get("/api/v1/issues/" + other).json();
    assertEquals(List.of("feature"), List.of(otherIssue.get("labels").get(0).asText()));
    assertEquals("low", otherIssue.get("priority").asText());
    JsonNode originalIssue = api.get("/api/v1/issues/" + original).json();
    assertEquals("[\"auth\",\"bug\"]", originalIssue.get("labels").toString());
    assertEquals("high", originalIssue.get("priority").asText());
    assertTrue(api.get("/api/v1/issues/" + original + "/history").body().contains("\"type\":\"triaged\""),
        "the tracker records that triage saw the issue");

    JsonNode graphDecisions = output.get("decisions");
    assertEquals(4, graphDecisions.size(), "one decision per triaged issue for the graph: " + output);
    String copyDecision = "Triage: priority high, labels bug";
    assertTrue(graphDecisions.toString().contains(copyDecision), graphDecisions.toString());
    String jobId = job.get("id").asText();
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      String related = api.get("/api/v1/graph/entities/issue/" + copy + "/related?depth=1&limit=50").body();
      if (!related.contains(copyDecision)) {
        throw new AssertionError("the triage decision is not in the graph yet: " + related);
      }
    });

    var again = api.post("/api/v1/agents/issue/triage", "{\"batch\": \"new_issues\"}");
    assertEquals(200, again.status(), again.body());
    assertEquals("nothing_new", again.json().get("status").asText());
    assertTrue(again.json().get("job_id").isNull());
    assertEquals(1, api.get("/api/v1/issues/" + similar).json().get("comments").size(), "nothing commented twice");
    assertEquals("nothing new to triage\n", InProcessCli.run(0, "agent", "triage", "--all-new", "--url", api.base() + "/api/v1"));
    InProcessCli.run(2, "agent", "triage", "--url", api.base() + "/api/v1");
    InProcessCli.run(1, "agent", "summarize", "no-such-issue", "--url", api.base() + "/api/v1");

    // a label outside the set breaks the answer's schema: corrected, then the repaired answer is used
    String fresh = issue(api, "Typo in the README", "It says teh instead of the.", "[]");
    answers.clear();
    prompts.clear();
    answers.add(finalAnswer(decision(fresh, "[\"urgent\"]", "low", "typo")));
    answers.add(finalAnswer(decision(fresh, "[\"docs\"]", "low", "typo")));
    var typo = api.post("/api/v1/agents/issue/triage", "{\"batch\": \"new_issues\"}");
    assertEquals(List.of(fresh), List.of(typo.json().get("issue_ids").get(0).asText()), typo.body());
    JsonNode typoJob = finished(api, typo.json().get("job_id").asText());
    assertEquals("succeeded", typoJob.get("status").asText(), typoJob.toString());
    List<String> kinds = new ArrayList<>();
    List<String> corrections = new ArrayList<>();
    typoJob.get("steps").forEach(s -> {
      if (s.path("type").asText().equals("turn")) {
        kinds.add(s.get("kind").asText());
        corrections.add(s.path("correction").asText(""));
      }
    });
    assertEquals(List.of("invalid", "repaired"), kinds, typoJob.get("steps").toString());
    assertTrue(corrections.getFirst().contains("enumeration") && corrections.getFirst().contains("\"docs\""),
        "the correction names the allowed labels: " + corrections);
    assertEquals("[\"docs\"]", api.get("/api/v1/issues/" + fresh).json().get("labels").toString());
    assertFalse(api.get("/api/v1/issues/" + fresh).body().contains("urgent"));

    // a summary of the duplicate's history for someone resuming work on it
    assertEquals(404, api.post("/api/v1/agents/issue/summarize", "{\"issue_id\": \"no-such-issue\"}").status());
    assertEquals(400, api.post("/api/v1/agents/issue/summarize", "{}").status());
    answers.clear();
    prompts.clear();
    answers.add("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"A duplicate of " + original
        + " closed by triage; work continues there.\"}}");
    var summary = api.post("/api/v1/agents/issue/summarize", "{\"issue_id\": \"" + copy + "\"}");
    assertEquals(202, summary.status(), summary.body());
    JsonNode summaryJob = finished(api, summary.json().get("job_id").asText());
    assertEquals("succeeded", summaryJob.get("status").asText(), summaryJob.toString());
    assertEquals(copy, summaryJob.get("issue_id").asText());
    assertTrue(summaryJob.get("output").get("summary").asText().contains(original), summaryJob.toString());
    String asked = prompts.getFirst();
    assertTrue(asked.contains("duplicate of " + original) && asked.contains("triaged by job " + job.get("id").asText())
        && asked.contains("Triage (issue agent, job"), "the model saw the history, the triage and its comment: " + asked);
    assertTrue(asked.contains("Past decisions on this issue") && asked.contains("in job " + jobId + ": " + copyDecision),
        "the next task on the issue starts from the triage's decision in the graph: " + asked);
  }

  @Test
  void withTurboApiUrlTheToolsAndReadsGoToThatServer() throws Exception {
    RunningApi server = daemon(serverDir, Map.of());
    String remote = issue(server, "Export to CSV loses accents", "Names with accents come out garbled in the CSV export.",
        "[\"export\"]");
    RunningApi agents = daemon(dataDir, Map.of("turbo-agents.turbo-api.url", server.base() + "/api/v1"));
    answers.add(finalAnswer(decision(remote, "[\"bug\",\"export\"]", "high", "data is corrupted")));
    var accepted = agents.post("/api/v1/agents/issue/triage", "{\"batch\": \"new_issues\", \"auto_comment\": true}");
    assertEquals(202, accepted.status(), accepted.body());
    assertEquals(remote, accepted.json().get("issue_ids").get(0).asText(), "the batch is the other server's issues");
    JsonNode job = finished(agents, accepted.json().get("job_id").asText());
    assertEquals("succeeded", job.get("status").asText(), job.toString());
    assertTrue(prompts.getFirst().contains("export"), "the model saw the remote label set: " + prompts.getFirst());

    JsonNode there = server.get("/api/v1/issues/" + remote).json();
    assertEquals("[\"bug\",\"export\"]", there.get("labels").toString());
    assertEquals("high", there.get("priority").asText());
    assertEquals(1, there.get("comments").size(), there.toString());
    assertTrue(there.get("comments").get(0).get("text").asText().contains("data is corrupted"));
    assertTrue(server.get("/api/v1/issues/" + remote + "/history").body().contains("\"type\":\"triaged\""));
    assertEquals(404, agents.get("/api/v1/issues/" + remote).status(), "nothing was written to the agents' own tracker");
    assertEquals(200, agents.post("/api/v1/agents/issue/triage", "{\"batch\": \"new_issues\"}").status(),
        "the other server remembers that triage saw it");
  }
}

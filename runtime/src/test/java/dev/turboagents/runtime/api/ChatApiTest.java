package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.http.ApiJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /agents/chat on the real daemon (real journal, in-process Neo4j, real HTTP) with the scripted
 * stand-in as the chat model. The stand-in "model" classifies by a fixed route and, as a chat job,
 * presents the blocker lines the facts in its prompt give plus one id of its own invention: so the
 * ids the test expects come from the tracker through the tools, never from the script.
 */
class ChatApiTest {
  private static final String MODEL = "chat:1b";
  private static final Pattern BLOCKER_LINE = Pattern.compile("- ([0-9a-f-]{36}) \\[");
  private static final String INVENTED = "99999999-9999-4999-8999-999999999999";

  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private OllamaStandIn ollama;
  private RunningApi api;
  private volatile String route = "question";
  /** true: the model only ever calls a tool, as small models do, and never gives its answer. */
  private volatile boolean neverAnswers;
  /** true: the model answers without naming any id, as small models often do. */
  private volatile boolean vague;
  private final List<String> chatPrompts = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void standIn() throws Exception {
    ollama = new OllamaStandIn(List.of(new StandInModel(MODEL, StandInModel.GIB, 16, 4, 64, Duration.ofMillis(50),
        200, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(this::answer);
  }

  private Script.Answer answer(Script.Request request) {
    JsonNode body = request.body();
    if (body.path("format").path("properties").has("route")) {
      return Script.Answer.text(route.contains(" ") ? route : "{\"route\": \"" + route + "\"}");
    }
    String prompt = body.path("messages").toString().replace("\\n", "\n");
    chatPrompts.add(prompt);
    if (vague) {
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Some issues block it.\"}}");
    }
    if (neverAnswers) {
      return Script.Answer.text("{\"name\":\"list_issues\",\"arguments\":{}}");
    }
    List<String> ids = new ArrayList<>();
    Matcher m = BLOCKER_LINE.matcher(prompt);
    while (m.find()) {
      ids.add(m.group(1));
    }
    String answer = ids.isEmpty() ? "I found nothing blocking it (see " + INVENTED + ")."
        : "The release is blocked by " + String.join(", ", ids) + " and " + INVENTED + ".";
    return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"" + answer + "\"}}");
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    if (ollama != null) {
      ollama.close();
    }
  }

  private void startDaemon(Map<String, Object> more) throws Exception {
    Map<String, Object> all = new HashMap<>(Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.agents.chat-model", MODEL,
        "turbo-agents.agents.code-model", MODEL,
        "turbo-agents.chat.answer-wait", "90s"));
    all.putAll(more);
    api = new RunningApi(dataDir, all);
  }

  private record Seeded(Set<String> blockers, String finishedBlocker, String unrelated, String releaseIssue) {}

  /**
   * The project v1.0 with one issue, another issue labelled v1.0; blockers: one open, one in progress
   * (itself blocked by an open one), one done; an open issue that blocks something outside the release.
   */
  private Seeded seed() {
    String project = api.post("/api/v1/projects", "{\"name\": \"v1.0\"}").json().get("id").asText();
    String installer = issue("{\"title\": \"Ship the installer\", \"project_id\": \"" + project + "\"}");
    String notes = issue("{\"title\": \"Release notes\", \"labels\": [\"v1.0\"]}");
    String crash = issue("{\"title\": \"Crash on start\", \"priority\": \"critical\"}");
    String signing = issue("{\"title\": \"Signed builds\"}");
    String keys = issue("{\"title\": \"Key store for signing\"}");
    String old = issue("{\"title\": \"Old packaging bug\"}");
    String other = issue("{\"title\": \"Dark mode\"}");
    String later = issue("{\"title\": \"Themes\"}");
    block(crash, installer);
    block(old, installer);
    block(signing, notes);
    block(keys, signing);
    block(other, later);
    assertEquals(200, api.patch("/api/v1/issues/" + signing, "{\"status\": \"in_progress\"}").status());
    assertEquals(200, api.patch("/api/v1/issues/" + old, "{\"status\": \"done\"}").status());
    return new Seeded(Set.of(crash, signing, keys), old, other, installer);
  }

  private String issue(String json) {
    var r = api.post("/api/v1/issues", json);
    assertEquals(201, r.status(), r.body());
    return r.json().get("id").asText();
  }

  private void block(String blocker, String blocked) {
    var r = api.post("/api/v1/issues/" + blocked + "/dependencies", "{\"blocked_by\": \"" + blocker + "\"}");
    assertTrue(r.status() < 300, r.body());
  }

  private HttpResponse<String> chat(String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/agents/chat"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return ApiJson.MAPPER.readTree(r.body());
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> all = new TreeSet<>();
    array.forEach(n -> all.add(n.asText()));
    return all;
  }

  @Test
  void theV10QuestionIsAnsweredWithTheUnfinishedBlockersOfTheRelease() throws Exception {
    startDaemon(Map.of());
    Seeded seeded = seed();
    var r = chat("{\"message\": \"What issues are blocking the v1.0 release?\", \"use_knowledge_graph\": true}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode reply = json(r);
    assertEquals("question", reply.get("route").asText());
    assertEquals("model", reply.get("routed_by").asText());
    assertEquals("chat", reply.get("agent").asText());
    assertEquals("succeeded", reply.get("status").asText(), r.body());
    assertEquals(new TreeSet<>(seeded.blockers()), texts(reply.get("citations")),
        "the open and in-progress blockers, the one behind a blocker too; not the done one: " + r.body());
    assertEquals(1, reply.get("invented_citations").asInt(), r.body());
    assertEquals(Set.of(INVENTED), texts(reply.get("dropped_citations")));
    assertFalse(reply.get("session_id").asText().isBlank());
    String prompt = chatPrompts.getLast();
    Set<String> presented = new TreeSet<>(BLOCKER_LINE.matcher(prompt).results().map(m -> m.group(1)).toList());
    assertEquals(new TreeSet<>(seeded.blockers()), presented, "the facts the model was given: not the done blocker "
        + seeded.finishedBlocker() + ", not " + seeded.unrelated() + " that blocks an issue outside the release");
    var job = api.get("/api/v1/agents/jobs/" + reply.get("job_id").asText());
    assertEquals("chat", job.json().get("agent").asText(), job.body());
  }

  @Test
  void anAnswerThatNamesNoIdGetsTheTrackersLinesThatAnswerTheQuestion() throws Exception {
    startDaemon(Map.of());
    Seeded seeded = seed();
    vague = true;
    var r = chat("{\"message\": \"What issues are blocking the v1.0 release?\", \"use_knowledge_graph\": true}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode reply = json(r);
    String answer = reply.get("answer").asText();
    assertTrue(answer.startsWith("Some issues block it.\n\nFrom the tracker:\n"), answer);
    assertEquals(new TreeSet<>(seeded.blockers()), texts(reply.get("citations")),
        "the unfinished blockers only, not what they block: " + r.body());
    assertEquals(0, reply.get("invented_citations").asInt(), r.body());
  }

  @Test
  void aModelThatSpendsItsTurnsOnToolsStillLeavesTheFactsAsTheAnswer() throws Exception {
    startDaemon(Map.of("turbo-agents.chat.max-steps", 2));
    Seeded seeded = seed();
    neverAnswers = true;
    var r = chat("{\"message\": \"What issues are blocking the v1.0 release?\", \"use_knowledge_graph\": true}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode reply = json(r);
    assertEquals("succeeded", reply.get("status").asText(), r.body());
    String answer = reply.get("answer").asText();
    assertTrue(answer.startsWith("The model gave no answer within its budget (stopped: the budget of 2 model turns"),
        answer);
    assertTrue(texts(reply.get("citations")).containsAll(seeded.blockers()),
        "the release's unfinished blockers, from the facts: " + r.body());
    assertFalse(texts(reply.get("citations")).contains(seeded.finishedBlocker()), r.body());
    assertEquals(0, reply.get("invented_citations").asInt(), r.body());
    var job = api.get("/api/v1/agents/jobs/" + reply.get("job_id").asText());
    assertTrue(job.body().contains("answered_from"), job.body());
  }

  @Test
  void garbageFromTheModelRoutesByTheRulesAndAnActionStartsItsJob() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    startDaemon(Map.of("turbo-agents.workspace.path", repo.toString(), "turbo-agents.tools.test-command", "true"));
    String issue = issue("{\"title\": \"Greet louder\"}");

    route = "implement";
    var implement = chat("{\"message\": \"Please implement issue " + issue + "\"}");
    assertEquals(200, implement.statusCode(), implement.body());
    JsonNode started = json(implement);
    assertEquals("implement", started.get("route").asText());
    assertEquals("model", started.get("routed_by").asText());
    assertEquals("code", started.get("agent").asText());
    String jobId = started.get("job_id").asText();
    assertTrue(started.get("answer").asText().contains(jobId), implement.body());
    var job = api.get("/api/v1/agents/jobs/" + jobId).json();
    assertEquals("code", job.get("agent").asText());
    assertEquals(issue, job.get("issue_id").asText());

    route = "this is not a route";
    var triage = chat("{\"message\": \"triage the new issues\"}");
    assertEquals(200, triage.statusCode(), triage.body());
    JsonNode triaged = json(triage);
    assertEquals("triage", triaged.get("route").asText(), triage.body());
    assertEquals("rules", triaged.get("routed_by").asText(), triage.body());
    assertEquals("issue", triaged.get("agent").asText(), triage.body());
    var triageJob = api.get("/api/v1/agents/jobs/" + triaged.get("job_id").asText()).json();
    assertEquals("issue", triageJob.get("agent").asText());
    assertTrue(triageJob.get("input").toString().contains(issue), "the new issue is in the batch: " + triageJob);

    var question = chat("{\"message\": \"Which issues are open?\", \"use_knowledge_graph\": false}");
    assertEquals(200, question.statusCode(), question.body());
    JsonNode answered = json(question);
    assertEquals("question", answered.get("route").asText());
    assertEquals("rules", answered.get("routed_by").asText());
    assertTrue(answered.get("route_note").asText().contains("answered no route"), question.body());
  }

  @Test
  void aStreamedAnswerComesAsTokensThenTheFinalObject() throws Exception {
    startDaemon(Map.of());
    Seeded seeded = seed();
    var r = chat("{\"message\": \"What issues are blocking the v1.0 release?\", \"stream\": true}");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    StringBuilder tokens = new StringBuilder();
    String last = null;
    int tokenEvents = 0;
    for (String event : r.body().split("\n\n")) {
      String type = event.lines().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).strip()).findFirst()
          .orElse("");
      String data = String.join("\n", event.lines().filter(l -> l.startsWith("data:"))
          .map(l -> l.substring(5).startsWith(" ") ? l.substring(6) : l.substring(5)).toList());
      if (type.equals("token")) {
        tokens.append(data);
        tokenEvents++;
      } else if (type.equals("final")) {
        last = data;
      }
    }
    assertTrue(tokenEvents > 3, "the answer came in pieces: " + r.body());
    JsonNode reply = ApiJson.MAPPER.readTree(last);
    assertEquals(reply.get("answer").asText(), tokens.toString(), "the tokens are the answer's text, not its JSON");
    assertEquals(new TreeSet<>(seeded.blockers()), texts(reply.get("citations")));
  }

  /** A model that answers before the stream subscribes: its early tokens are replayed, not lost. */
  @Test
  void aStreamedAnswerFromAFastModelIsWholeInItsTokens() throws Exception {
    try (OllamaStandIn fast = new OllamaStandIn(List.of(new StandInModel(MODEL, StandInModel.GIB, 16, 4, 64,
        Duration.ZERO, 1_000_000, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start()) {
      fast.script(this::answer);
      startDaemon(Map.of("turbo-agents.ollama.host", fast.url()));
      seed();
      for (int i = 0; i < 3; i++) {
        var r = chat("{\"message\": \"What issues are blocking the v1.0 release?\", \"stream\": true}");
        assertEquals(200, r.statusCode(), r.body());
        StringBuilder tokens = new StringBuilder();
        String last = null;
        for (String event : r.body().split("\n\n")) {
          String type = event.lines().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).strip()).findFirst()
              .orElse("");
          String data = String.join("\n", event.lines().filter(l -> l.startsWith("data:"))
              .map(l -> l.substring(5).startsWith(" ") ? l.substring(6) : l.substring(5)).toList());
          if (type.equals("token")) {
            tokens.append(data);
          } else if (type.equals("final")) {
            last = data;
          }
        }
        assertEquals(ApiJson.MAPPER.readTree(last).get("answer").asText(), tokens.toString(), r.body());
      }
    }
  }

  @Test
  void aSessionRemembersAcrossMessagesAndARestart() throws Exception {
    startDaemon(Map.of());
    seed();
    var first = json(chat("{\"message\": \"What issues are blocking the v1.0 release?\", \"use_knowledge_graph\": false}"));
    String session = first.get("session_id").asText();
    var second = chat("{\"message\": \"And which of them is critical?\", \"session_id\": \"" + session
        + "\", \"use_knowledge_graph\": false}");
    assertEquals(200, second.statusCode(), second.body());
    assertEquals(session, json(second).get("session_id").asText());
    String prompt = chatPrompts.getLast();
    assertTrue(prompt.contains("What issues are blocking the v1.0 release?") && prompt.contains("The release is blocked by"),
        "the second message's prompt carries the first exchange: " + prompt);

    api.close();
    api = null;
    startDaemon(Map.of());
    var third = chat("{\"message\": \"Remind me what I asked first\", \"session_id\": \"" + session
        + "\", \"use_knowledge_graph\": false}");
    assertEquals(200, third.statusCode(), third.body());
    String after = chatPrompts.getLast();
    assertTrue(after.contains("What issues are blocking the v1.0 release?") && after.contains("which of them is critical"),
        "after a restart the session still remembers: " + after);
  }

  @Test
  void badInputIsRefusedNamingWhatWasWrong() throws Exception {
    startDaemon(Map.of());
    var missing = chat("{\"use_knowledge_graph\": true}");
    assertEquals(400, missing.statusCode());
    assertTrue(missing.body().contains("message"), missing.body());
    var blank = chat("{\"message\": \"  \"}");
    assertEquals(400, blank.statusCode());
    var unknown = chat("{\"message\": \"hi\", \"session_id\": \"no-such-session\"}");
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("session_id"), unknown.body());
    var malformed = chat("{\"message\": \"hi\", \"session_id\": \"../etc\"}");
    assertEquals(400, malformed.statusCode(), malformed.body());
    var wrongType = chat("{\"message\": \"hi\", \"stream\": \"yes\"}");
    assertEquals(400, wrongType.statusCode(), wrongType.body());
  }
}

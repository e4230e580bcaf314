package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.persistence.Eventually;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agents API of the real daemon: a code job over HTTP, its events as SSE, the refusals a client meets. */
class AgentsApiTest {
  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private OllamaStandIn ollama;
  private RunningApi api;

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    if (ollama != null) {
      ollama.close();
    }
  }

  @Test
  void aCodeJobOverHttpWithItsEventStream() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    List<String> answers = List.of(
        "{\"name\":\"search_codebase\",\"arguments\":{\"query\":\"hello wrld greeting\"}}",
        "{\"name\":\"write_file\",\"arguments\":{\"path\":\"App.txt\",\"content\":\"hello world\\n\"}}",
        "{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Fixed the greeting\"}}");
    AtomicInteger n = new AtomicInteger();
    ollama = new OllamaStandIn(List.of(new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64, Duration.ofMillis(50),
        500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(r -> Script.Answer.text(answers.get(Math.min(n.getAndIncrement(), answers.size() - 1))));
    api = new RunningApi(dataDir, Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", "coder:1b"));
    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"wrld\"}").json()
        .get("id").asText();

    var missing = api.post("/api/v1/agents/code/implement", "{}");
    assertEquals(400, missing.status());
    assertTrue(missing.body().contains("issue_id"), missing.body());
    var unknown = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"no-such-issue\"}");
    assertEquals(404, unknown.status(), unknown.body());
    var badBudget = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + issue + "\", \"budget\": {\"max_steps\": 0}}");
    assertEquals(400, badBudget.status());
    assertTrue(badBudget.body().contains("budget.max_steps"), badBudget.body());

    var accepted = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + issue + "\", \"context\": \"tiny\"}");
    assertEquals(202, accepted.status(), accepted.body());
    String job = accepted.json().get("job_id").asText();
    assertEquals("queued", accepted.json().get("status").asText());

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> stream = http.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/agents/jobs/" + job
        + "/events")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, stream.statusCode());
    assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    String events = stream.body();
    for (String type : List.of("accepted", "running", "context", "turn", "tool", "succeeded")) {
      assertTrue(events.contains("event:" + type), type + " missing in:\n" + events);
    }
    assertTrue(events.contains("id:1\n"), events);

    HttpResponse<String> resumed = http.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/agents/jobs/" + job
        + "/events")).header("Last-Event-ID", "3").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(resumed.body().contains("id:4\n") && !resumed.body().contains("id:3\n") && !resumed.body().contains("id:1\n"),
        resumed.body());

    var shown = api.get("/api/v1/agents/jobs/" + job);
    assertEquals("succeeded", shown.json().get("status").asText(), shown.body());
    assertEquals("agents/" + job, shown.json().get("branch").asText());
    assertEquals(issue, shown.json().get("issue_id").asText());
    assertTrue(shown.json().get("steps").size() >= 4);
    assertEquals(3, shown.json().get("usage").get("turns").asInt());
    JsonNode search = null;
    for (JsonNode step : shown.json().get("steps")) {
      if ("search_codebase".equals(step.path("tool").asText())) {
        search = step;
      }
    }
    assertEquals("ok", search.get("outcome").asText(), search.toString());
    assertTrue(search.get("result").asText().contains("App.txt:1-"), "the graph's code index found the file: " + search);

    assertEquals(job, api.get("/api/v1/agents/jobs?status=succeeded&agent=code&issue_id=" + issue).json().get("jobs")
        .get(0).get("id").asText());
    assertEquals(0, api.get("/api/v1/agents/jobs?status=failed").json().get("jobs").size());
    assertEquals(400, api.get("/api/v1/agents/jobs?status=bogus").status());
    var page = api.get("/api/v1/agents/jobs?limit=0");
    assertEquals(0, page.json().get("jobs").size());
    assertEquals("1", page.raw().headers().firstValue("X-Total-Count").orElse(""), "the total counts the matches");
    assertEquals(job, api.get("/api/v1/agents/jobs?limit=1&offset=0").json().get("jobs").get(0).get("id").asText());
    assertEquals(0, api.get("/api/v1/agents/jobs?offset=1").json().get("jobs").size());
    var badLimit = api.get("/api/v1/agents/jobs?limit=-1");
    assertEquals(400, badLimit.status());
    assertTrue(badLimit.body().contains("limit"), badLimit.body());
    var badOffset = api.get("/api/v1/agents/jobs?offset=first");
    assertEquals(400, badOffset.status());
    assertTrue(badOffset.body().contains("offset"), badOffset.body());
    assertEquals(404, api.get("/api/v1/agents/jobs/nope").status());
    assertEquals(404, api.get("/api/v1/agents/jobs/nope/events").status());
    String scrape = api.get("/metrics").body();
    assertEquals(1.0, sample(scrape, "agents_jobs", Map.of("agent", "code", "state", "succeeded")), scrape);
    assertEquals(0.0, sample(scrape, "agents_jobs", Map.of("agent", "code", "state", "running")), scrape);
    assertEquals(0.0, sample(scrape, "agents_jobs", Map.of("agent", "code", "state", "failed")), scrape);
    // the projection follows the journal on its own: wait for it to write the issue, then read its figures
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      String graph = api.get("/metrics").body();
      assertEquals(1.0, sample(graph, "graph_projection_running", Map.of()), graph);
      assertTrue(sample(graph, "graph_projection_events_total", Map.of()) >= 1, "the issue reached the graph: " + graph);
      assertTrue(sample(graph, "graph_projection_lag_events", Map.of()) >= 0, graph);
    });
    var cancelDone = api.post("/api/v1/agents/jobs/" + job + "/cancel", "");
    assertEquals(200, cancelDone.status());
    assertEquals("succeeded", cancelDone.json().get("status").asText(), "a finished job stays as it ended");
  }

  @Test
  void aFollowerHearsTheModelsTokensAsTheyComeWithoutIdsBetweenTheReplayableEvents() throws Exception {
    initRepository();
    List<String> answers = List.of(
        "{\"name\": \"write_file\", \"arguments\": {\"path\": \"App.txt\", \"content\": \"hello world\\n\"}}",
        "{\"name\": \"final_answer\", \"arguments\": {\"answer\": \"Fixed the greeting by putting world where wrld was\"}}");
    AtomicInteger n = new AtomicInteger();
    // 8 tokens a second in real time: an answer takes seconds, so a follower hears it come
    ollama = new OllamaStandIn(List.of(new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64, Duration.ofMillis(50),
        8, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 1.0).start();
    ollama.script(r -> Script.Answer.text(answers.get(Math.min(n.getAndIncrement(), answers.size() - 1))));
    api = new RunningApi(dataDir, Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", "coder:1b"));
    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"wrld\"}").json()
        .get("id").asText();
    String job = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + issue + "\"}").json()
        .get("job_id").asText();

    HttpResponse<String> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api.base()
        + "/api/v1/agents/jobs/" + job + "/events")).timeout(Duration.ofSeconds(90)).build(),
        HttpResponse.BodyHandlers.ofString());
    StringBuilder heard = new StringBuilder();
    List<Long> ids = new java.util.ArrayList<>();
    int tokensBeforeTheLastTurn = 0;
    int tokens = 0;
    for (String block : stream.body().split("\n\n")) {
      Map<String, String> fields = new java.util.HashMap<>();
      block.lines().filter(l -> l.contains(":")).forEach(l -> fields.put(l.substring(0, l.indexOf(':')),
          l.substring(l.indexOf(':') + 1)));
      if ("token".equals(fields.get("event"))) {
        assertTrue(!fields.containsKey("id"), "a token has no id: it cannot be replayed: " + block);
        heard.append(new com.fasterxml.jackson.databind.ObjectMapper().readTree(fields.get("data")).get("text").asText());
        tokens++;
      } else if (fields.containsKey("id")) {
        ids.add(Long.parseLong(fields.get("id").strip()));
        if ("turn".equals(fields.get("event"))) {
          tokensBeforeTheLastTurn = tokens;
        }
      }
    }
    assertTrue(heard.toString().contains("Fixed the greeting by putting world"), "the answer streamed: " + stream.body());
    assertTrue(tokensBeforeTheLastTurn > 0, "tokens came before the turn was recorded:\n" + stream.body());
    for (int i = 0; i < ids.size(); i++) {
      assertEquals(i + 1, ids.get(i), "the persisted events keep their ids, one after another: " + ids);
    }
    assertTrue(stream.body().contains("event:succeeded"), stream.body());
    assertTrue(!stream.body().contains(":null"), "an event has only the fields it has: " + stream.body());
    assertTrue(stream.body().contains("{\"type\":\"accepted\",\"at\":"), stream.body());
    JsonNode steps = api.get("/api/v1/agents/jobs/" + job).json().get("steps");
    for (JsonNode step : steps) {
      step.fields().forEachRemaining(f -> assertTrue(!f.getValue().isNull(), "no null " + f.getKey() + " in " + step));
    }

    List<String> types = new java.util.ArrayList<>();
    new dev.turboagents.runtime.cli.DaemonClient(api.base(), dev.turboagents.config.ClientSettings.load())
        .events("/agents/jobs/" + job + "/events", (type, data) -> types.add(type));
    assertEquals("accepted", types.getFirst(), "the CLI reads each event's type: " + types);
    assertTrue(!types.contains("token") && types.contains("succeeded"), "a finished job replays without tokens: " + types);
  }

  private void initRepository() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
  }

  @Test
  void withoutAWorkspaceACodeJobIsRefusedNamingTheFlag() throws Exception {
    api = new RunningApi(dataDir, Map.of());
    String issue = api.post("/api/v1/issues", "{\"title\": \"x\"}").json().get("id").asText();
    var refused = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + issue + "\"}");
    assertEquals(409, refused.status());
    assertTrue(refused.body().contains("--workspace"), refused.body());
  }

  /** The value of the one sample {@code name} with exactly {@code labels} in Prometheus' text format (0.0.4). */
  private static double sample(String text, String name, Map<String, String> labels) {
    java.util.regex.Pattern line = java.util.regex.Pattern.compile("^" + name + "(?:\\{([^}]*)\\})? (\\S+)$", java.util.regex.Pattern.MULTILINE);
    java.util.regex.Pattern label = java.util.regex.Pattern.compile("(\\w+)=\"([^\"]*)\"");
    List<Double> found = new java.util.ArrayList<>();
    var m = line.matcher(text);
    while (m.find()) {
      Map<String, String> seen = new java.util.HashMap<>();
      var l = label.matcher(m.group(1) == null ? "" : m.group(1));
      while (l.find()) {
        seen.put(l.group(1), l.group(2));
      }
      if (seen.equals(labels)) {
        found.add(Double.parseDouble(m.group(2)));
      }
    }
    assertEquals(1, found.size(), "one sample " + name + labels);
    return found.getFirst();
  }
}

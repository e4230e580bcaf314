package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.persistence.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged daemon as a child process: crash safety, the single-daemon lock, settings errors, SIGTERM, the CLI. */
class DaemonProcessIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dataDir;

  private JsonNode post(String url, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private JsonNode uncheckedGet(String url) {
    try {
      return get(url);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void nothingAcknowledgedIsLostWhenTheDaemonIsKilled() throws Exception {
    List<String> ids = new ArrayList<>();
    String lastComment;
    try (DaemonProcess daemon = DaemonProcess.start(dataDir)) {
      String api = daemon.url + "/api/v1";
      for (int i = 0; i < 25; i++) {
        ids.add(post(api + "/issues", "{\"title\": \"issue " + i + "\", \"labels\": [\"crash\"]}").get("id").asText());
      }
      lastComment = post(api + "/issues/" + ids.get(24) + "/comments", "{\"text\": \"acknowledged right before the kill\"}").get("id").asText();
      daemon.kill();
      assertEquals(137, daemon.process.exitValue(), "killed by SIGKILL");
    }
    try (DaemonProcess again = DaemonProcess.start(dataDir)) {
      String api = again.url + "/api/v1";
      JsonNode listed = get(api + "/issues?label=crash");
      assertEquals(25, listed.size(), "every acknowledged issue is listed after the restart");
      JsonNode last = get(api + "/issues/" + ids.get(24));
      assertEquals(lastComment, last.get("comments").get(0).get("id").asText());
    }
  }

  @Test
  void aSecondDaemonOnTheSameDataDirectoryExitsAtOnce() throws Exception {
    try (DaemonProcess first = DaemonProcess.start(dataDir)) {
      Process second = DaemonProcess.command("serve", "--port", "0", "--data-dir", dataDir.toString()).start();
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second daemon exits by itself");
      String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(3, second.exitValue(), out);
      assertTrue(out.contains("another turbo-agents daemon (pid " + first.process.pid() + ")"), out);
      assertEquals("up", get(first.url + "/health").path("components").path("tracker").path("status").asText(),
          "the first one is unharmed");
      Eventually.assertThat(Duration.ofSeconds(90), () -> assertEquals("up", uncheckedGet(first.url + "/health").get("status").asText(),
          "and goes on to start its other subsystems"));
    }
  }

  @Test
  void aWrongSettingExitsNonZeroNamingTheKey() throws Exception {
    ProcessBuilder pb = DaemonProcess.command("serve", "--data-dir", dataDir.toString());
    pb.environment().put("TURBO_AGENTS_PORT", "eighty");
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("turbo-agents.http.port: must be a whole number, was 'eighty'"), out);
  }

  @Test
  void sigtermShutsDownCleanlyAndTheDataIsThereNextTime() throws Exception {
    String id;
    try (DaemonProcess daemon = DaemonProcess.start(dataDir)) {
      id = post(daemon.url + "/api/v1/issues", "{\"title\": \"survives SIGTERM\"}").get("id").asText();
      daemon.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
      assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops the daemon");
      String output = daemon.output();
      assertTrue(output.contains("turbo-agents stopped (JvmExitReason)"), "it went through CoordinatedShutdown (exit " + daemon.process.exitValue() + "):\n" + output);
    }
    try (DaemonProcess again = DaemonProcess.start(dataDir)) {
      assertEquals("survives SIGTERM", get(again.url + "/api/v1/issues/" + id).get("title").asText());
    }
  }

  @Test
  void theCommandLineClientTalksToTheDaemon() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dataDir)) {
      String url = daemon.url + "/api/v1";
      String created = cli("issue", "create", "--url", url, "--title", "From the CLI", "--label", "cli", "--priority", "high");
      assertTrue(created.startsWith("created "), created);
      String id = created.substring("created ".length(), "created ".length() + 36);
      assertTrue(cli("issue", "list", "--url", url, "--label", "cli").contains("From the CLI"));
      assertTrue(cli("issue", "comment", "--url", url, id, "first comment", "--author", "tester").contains("commented"));
      String shown = cli("issue", "show", "--url", url, id);
      assertTrue(shown.contains("first comment") && shown.contains("tester") && shown.contains("high"), shown);
      assertTrue(cli("issue", "show", "--url", url, "--json", id).contains("\"comment_count\" : 1"));
      assertTrue(cli("--help").contains("serve"));
    }
  }

  /** Runs the CLI in this JVM, capturing what it prints. */
  private static String cli(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      System.setErr(capture);
      int code = Main.run(args);
      capture.flush();
      String text = buffer.toString(StandardCharsets.UTF_8);
      assertEquals(0, code, text);
      return text;
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}

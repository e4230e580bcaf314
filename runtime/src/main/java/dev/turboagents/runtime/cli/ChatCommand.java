package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code turbo-agents chat "message"}: asks the daemon's agents and streams the answer to the
 * terminal as the model produces it, then the route, the cited ids and the session to continue with.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "Ask the project's agents; a question is answered from the tracker and the graph, a request to act starts its job.")
public final class ChatCommand implements java.util.concurrent.Callable<Integer> {
  @Mixin ClientOptions options;
  @Parameters(index = "0", description = "the question or request") String message;
  @Option(names = "--session", description = "continue this conversation (its id is printed after each answer)") String session;
  @Option(names = "--no-graph", description = "do not search the knowledge graph first") boolean noGraph;
  @Option(names = "--no-stream", description = "wait for the whole answer instead of streaming it") boolean noStream;

  @Override
  public Integer call() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("message", message);
    body.put("use_knowledge_graph", !noGraph);
    if (session != null) {
      body.put("session_id", session);
    }
    body.put("requested_by", "cli:" + System.getProperty("user.name", "user"));
    if (noStream || options.json) {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
          return c.post("/agents/chat", body);
        }

        public String render(JsonNode r) {
          return r.path("answer").asText("(the answer is not ready: follow job " + r.path("job_id").asText() + ")")
              + "\n" + footer(r);
        }
      });
    }
    body.put("stream", true);
    boolean[] streamed = {false};
    try {
      options.client().postEvents("/agents/chat", body, (type, data) -> {
        if (type.equals("token")) {
          System.out.print(data);
          streamed[0] = true;
        } else if (type.equals("final")) {
          try {
            JsonNode reply = new com.fasterxml.jackson.databind.ObjectMapper().readTree(data);
            System.out.print((streamed[0] ? "\n" : reply.path("answer").asText() + "\n") + footer(reply));
          } catch (IOException e) {
            System.out.println("\n" + data);
          }
        }
        System.out.flush();
      });
      return 0;
    } catch (DaemonClient.Failure e) {
      System.err.println("turbo-agents: " + e.getMessage());
      return 1;
    }
  }

  static String footer(JsonNode r) {
    StringBuilder text = new StringBuilder("-- route " + r.path("route").asText() + " (" + r.path("routed_by").asText()
        + ")");
    if (r.path("citations").size() > 0) {
      text.append(", cites");
      r.path("citations").forEach(c -> text.append(' ').append(c.asText()));
    }
    if (r.path("invented_citations").asInt() > 0) {
      text.append(", ").append(r.path("invented_citations").asInt()).append(" invented id(s) dropped");
    }
    if (r.hasNonNull("job_id")) {
      text.append(", job ").append(r.path("job_id").asText());
    }
    return text.append(", session ").append(r.path("session_id").asText()).append('\n').toString();
  }
}

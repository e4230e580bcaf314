package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code turbo-agents project create|list}. */
@Command(name = "project", mixinStandardHelpOptions = true, description = "Create and list projects.",
    subcommands = {ProjectCommand.Create.class, ProjectCommand.ListProjects.class})
public final class ProjectCommand extends CommandGroup {

  static String line(JsonNode p) {
    return String.format("%s  %-8s %s%n", p.path("id").asText(), p.path("status").asText(), p.path("name").asText());
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a project.")
  static final class Create implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Option(names = {"-n", "--name"}, required = true, description = "project name") String name;
    @Option(names = {"-d", "--description"}, defaultValue = "", description = "what it is about") String description;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("description", description);
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.post("/projects", body); }
        public String render(JsonNode r) { return "created " + line(r); }
      });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List projects.")
  static final class ListProjects implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/projects"); }
        public String render(JsonNode r) {
          StringBuilder out = new StringBuilder();
          r.forEach(p -> out.append(line(p)));
          return out.length() == 0 ? "no projects\n" : out.toString();
        }
      });
    }
  }
}

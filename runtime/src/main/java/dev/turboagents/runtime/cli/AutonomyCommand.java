package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code turbo-agents autonomy pause|resume|status}: the autonomy's controls. */
@Command(name = "autonomy", mixinStandardHelpOptions = true, description = "Pause, resume or show the autonomy.",
    subcommands = {AutonomyCommand.Pause.class, AutonomyCommand.Resume.class, AutonomyCommand.Status.class})
public final class AutonomyCommand extends CommandGroup {

  static String line(JsonNode c) {
    return (c.path("paused").asBoolean() ? "paused" : "running")
        + (c.path("since").isTextual() ? " since " + c.path("since").asText() + " (by " + c.path("by").asText() + ")" : "") + "\n";
  }

  static int call(ClientOptions options, String verb) {
    return IssueCommand.send(options, new IssueCommand.ClientCall() {
      public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
        return verb.isEmpty() ? c.get("/agents/autonomy") : c.post("/agents/autonomy/" + verb, Map.of());
      }
      public String render(JsonNode r) { return line(r); }
    });
  }

  /** One control: the verb posted ({@code pause}, {@code resume}) or none for the state. */
  abstract static class Control implements Callable<Integer> {
    @Mixin ClientOptions options;
    private final String verb;

    Control(String verb) {
      this.verb = verb;
    }

    @Override
    public Integer call() {
      return AutonomyCommand.call(options, verb);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "No schedule starts until resumed (kept across restarts).")
  static final class Pause extends Control {
    Pause() { super("pause"); }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume; a slot missed while paused runs once.")
  static final class Resume extends Control {
    Resume() { super("resume"); }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Whether the autonomy is paused.")
  static final class Status extends Control {
    Status() { super(""); }
  }
}

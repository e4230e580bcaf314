package dev.turboagents.runtime;

import dev.turboagents.runtime.cli.AgentCommand;
import dev.turboagents.runtime.cli.AutonomyCommand;
import dev.turboagents.runtime.cli.ChatCommand;
import dev.turboagents.runtime.cli.CommandGroup;
import dev.turboagents.runtime.cli.GraphCommand;
import dev.turboagents.runtime.cli.IssueCommand;
import dev.turboagents.runtime.cli.JobCommand;
import dev.turboagents.runtime.cli.ProjectCommand;
import dev.turboagents.runtime.cli.ReportCommand;
import dev.turboagents.runtime.cli.ScheduleCommand;
import dev.turboagents.runtime.cli.TriggerCommand;
import dev.turboagents.runtime.cli.WorkflowCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code turbo-agents serve} runs the daemon; the other subcommands talk to a running one over HTTP. */
@Command(name = "turbo-agents", mixinStandardHelpOptions = true, version = "turbo-agents 0.1.0",
    description = "A local-first autonomous agent runtime: a daemon and its command-line client.",
    subcommands = {ServeCommand.class, IssueCommand.class, ProjectCommand.class, GraphCommand.class, AgentCommand.class,
        JobCommand.class, ChatCommand.class, WorkflowCommand.class, ScheduleCommand.class, ReportCommand.class, AutonomyCommand.class,
        TriggerCommand.class, CommandLine.HelpCommand.class})
public final class Main extends CommandGroup {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }
}

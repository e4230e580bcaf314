package dev.turboagents.runtime;

import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.Settings;
import dev.turboagents.runtime.daemon.Daemon;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts the daemon in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the daemon: the actor system, the journal and HTTP (default http://127.0.0.1:8001).")
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--port", description = "HTTP port (env TURBO_AGENTS_PORT; default 8001; 0 = any free port)")
  Integer port;

  @Option(names = "--bind", description = "interface to bind (env TURBO_AGENTS_BIND; default 127.0.0.1)")
  String bind;

  @Option(names = "--data-dir", description = "where the journal and state live (env TURBO_AGENTS_DATA_DIR; default ~/.turbo-agents)")
  Path dataDir;

  @Option(names = "--memory-budget", description = "memory all resident models may use, e.g. 48GiB (env TURBO_AGENTS_MEMORY_BUDGET; default: derived from physical memory)")
  String memoryBudget;

  @Option(names = "--ollama-host", description = "the Ollama server behind the inference door (env OLLAMA_HOST; default http://127.0.0.1:11434)")
  String ollamaHost;

  @Option(names = "--workspace", description = "the git repository the code agent works on (env TURBO_AGENTS_WORKSPACE; default: none, code jobs are refused)")
  Path workspace;

  @Option(names = "--test-command", description = "the command run_tests and the quality gate run in a job's checkout, e.g. \"mvn -q test\" (env TURBO_AGENTS_TEST_COMMAND)")
  String testCommand;

  @Option(names = "--lint-command", description = "a linter the quality gate also needs to pass (env TURBO_AGENTS_LINT_COMMAND)")
  String lintCommand;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> flags = new HashMap<>();
    if (port != null) {
      flags.put("turbo-agents.http.port", port);
    }
    if (bind != null) {
      flags.put("turbo-agents.http.bind", bind);
    }
    if (memoryBudget != null) {
      flags.put("turbo-agents.inference.memory-budget", memoryBudget);
    }
    if (ollamaHost != null) {
      flags.put("turbo-agents.ollama.host", ollamaHost);
    }
    if (workspace != null) {
      flags.put("turbo-agents.workspace.path", workspace.toAbsolutePath().toString());
    }
    if (testCommand != null) {
      flags.put("turbo-agents.tools.test-command", testCommand);
    }
    if (lintCommand != null) {
      flags.put("turbo-agents.tools.lint-command", lintCommand);
    }
    if (dataDir != null) {
      flags.put("turbo-agents.data-dir", dataDir.toAbsolutePath().toString());
    }
    Settings settings;
    try {
      settings = Settings.load(flags);
    } catch (InvalidSettingException e) {
      System.err.println("turbo-agents: invalid setting " + e.getMessage());
      return 2;
    }
    Daemon daemon;
    try {
      daemon = Daemon.start(settings);
    } catch (InvalidSettingException e) {
      System.err.println("turbo-agents: invalid setting " + e.getMessage());
      return 2;
    } catch (Daemon.StartFailure e) {
      System.err.println("turbo-agents: " + e.getMessage());
      return 3;
    }
    var address = daemon.address();
    System.out.println("turbo-agents listening on http://" + address.getHostString() + ":" + address.getPort()
        + " (data " + settings.dataDir() + ")");
    System.out.flush();
    daemon.awaitTermination();
    if (daemon.rejectedSetting().isPresent()) {
      System.err.println("turbo-agents: invalid setting " + daemon.rejectedSetting().get().getMessage());
      return 2;
    }
    return 0;
  }
}

package dev.turboagents.runtime.cli;

import dev.turboagents.config.ClientSettings;
import picocli.CommandLine.Option;

/** Where the daemon is, and whether to print raw JSON. */
public final class ClientOptions {

  @Option(names = "--url", description = "daemon API (default: env TURBO_API_URL, else http://127.0.0.1:8001/api/v1)")
  String url;

  @Option(names = "--json", description = "print the daemon's JSON instead of text")
  boolean json;

  DaemonClient client() {
    String env = System.getenv("TURBO_API_URL");
    String chosen = url != null ? url : env != null && !env.isBlank() ? env : "http://127.0.0.1:8001/api/v1";
    return new DaemonClient(chosen, ClientSettings.load());
  }
}

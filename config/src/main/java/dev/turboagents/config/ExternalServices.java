package dev.turboagents.config;

import java.util.Optional;

/**
 * Local services the daemon talks to, under the seed's environment names: OLLAMA_HOST, TURBO_API_URL
 * and NEO4J_URI. An empty Turbo API or Neo4j URI means "use the one inside this daemon".
 */
public record ExternalServices(String ollamaHost, Optional<String> turboApiUrl, Optional<String> neo4jUri,
    String neo4jUser, String neo4jPassword) {

  static ExternalServices read(SettingsReader r) {
    String neo4j = r.string("turbo-agents.neo4j.uri");
    if (!neo4j.isEmpty() && !neo4j.matches("^(bolt|neo4j)(\\+s|\\+ssc)?://.+")) {
      throw new InvalidSettingException("turbo-agents.neo4j.uri",
          "must be a bolt:// or neo4j:// URI such as bolt://127.0.0.1:7687, was '" + neo4j + "'");
    }
    String turbo = r.httpUrl("turbo-agents.turbo-api.url", 8000);
    return new ExternalServices(
        r.httpUrl("turbo-agents.ollama.host", 11434),
        turbo.isEmpty() ? Optional.empty() : Optional.of(turbo),
        neo4j.isEmpty() ? Optional.empty() : Optional.of(neo4j),
        r.string("turbo-agents.neo4j.user"),
        r.string("turbo-agents.neo4j.password"));
  }
}

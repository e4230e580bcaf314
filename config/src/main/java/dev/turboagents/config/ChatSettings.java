package dev.turboagents.config;

import java.time.Duration;

/**
 * The chat endpoint ({@code turbo-agents.chat}); keys documented in reference.conf.
 *
 * @param answerWait how long {@code POST /agents/chat} without stream waits for the answer before
 *     it replies 202 with the job id
 * @param routeTimeout longest the model may take to classify a message before the rules decide
 * @param maxSteps model turns a chat job may take (its budget; a question needs few)
 * @param sessionKeepChars characters of recent exchanges a session keeps verbatim; older ones are condensed
 */
public record ChatSettings(Duration answerWait, Duration routeTimeout, int maxSteps, int sessionKeepChars) {
  private static final String C = "turbo-agents.chat.";

  public static ChatSettings of(Settings settings) {
    SettingsReader r = new SettingsReader(settings.config());
    return new ChatSettings(r.positiveDuration(C + "answer-wait"), r.positiveDuration(C + "route-timeout"),
        r.intIn(C + "max-steps", 1, 1000), r.intIn(C + "session-keep-chars", 200, 10_000_000));
  }
}

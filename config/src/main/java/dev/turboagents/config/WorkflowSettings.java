package dev.turboagents.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The multi-agent workflows and the event-driven triggers ({@code turbo-agents.workflows}); keys
 * documented in reference.conf.
 *
 * @param maxRounds review rounds an implement-and-review workflow runs at most (the first review counts)
 * @param pollInterval how often a workflow looks at the job of its running step
 * @param blockingSeverities the review severities that make a revision round (lower case)
 * @param triageNewIssues whether a new issue starts a background triage job by itself (on by default)
 * @param replyToComments whether a comment addressing an agent gets a reply by itself (off by default)
 * @param mention the word that addresses an agent in a comment (without the {@code @})
 */
public record WorkflowSettings(int maxRounds, Duration pollInterval, List<String> blockingSeverities,
    boolean triageNewIssues, boolean replyToComments, String mention) {
  private static final String W = "turbo-agents.workflows.";

  public static WorkflowSettings of(Settings settings) {
    SettingsReader r = new SettingsReader(settings.config());
    return new WorkflowSettings(r.intIn(W + "max-rounds", 1, 20), r.positiveDuration(W + "poll-interval"),
        settings.config().getStringList(W + "blocking-severities").stream().map(s -> s.toLowerCase(Locale.ROOT)).toList(),
        settings.config().getBoolean(W + "triggers.triage-new-issues"),
        settings.config().getBoolean(W + "triggers.reply-to-comments"), r.nonEmpty(W + "triggers.mention"));
  }
}

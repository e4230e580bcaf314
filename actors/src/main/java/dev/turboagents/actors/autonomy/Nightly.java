package dev.turboagents.actors.autonomy;

import java.time.Clock;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The nightly housekeeping as a schedule's work: the stale sweep, then the graph check against the
 * journal. Each part is a section of the report and a count in its one-line summary.
 */
public final class Nightly {
  private final StaleIssues stale;
  private final GraphCheck graph;
  private final Clock clock;
  private final boolean dryRun;
  private final BooleanSupplier paused;

  /** @param paused consulted before each write: a pause in the middle of a run stops its writes */
  public Nightly(StaleIssues stale, GraphCheck graph, Clock clock, boolean dryRun, BooleanSupplier paused) {
    this.stale = stale;
    this.graph = graph;
    this.clock = clock;
    this.dryRun = dryRun;
    this.paused = paused;
  }

  public Schedules.Work asWork() {
    return (schedule, since, slot, manual) -> stale.sweep(clock.instant(), dryRun).thenCompose(s ->
        graph.run(dryRun, paused).thenApply(g -> {
          StringBuilder body = new StringBuilder("# Nightly ").append(slot).append('\n');
          String summary = "nightly" + (dryRun ? " (dry run: nothing written)" : "") + ": " + staleSection(s, body)
              + "; " + graphSection(g, body);
          return new Schedules.Outcome(summary, body.toString());
        }));
  }

  private String staleSection(StaleIssues.Outcome o, StringBuilder body) {
    body.append("\n## Stale in-progress issues\n\n");
    if (o.stale().isEmpty()) {
      body.append("none\n");
    }
    for (String id : o.stale()) {
      body.append("- #").append(id).append(dryRun ? " (dry run: would be reminded)"
          : o.commented().contains(id) ? ": reminded now" : ": already reminded in this quiet spell").append('\n');
    }
    return o.stale().size() + " stale in-progress issue(s)" + (dryRun ? "" : ", reminded " + o.commented().size());
  }

  private String graphSection(GraphCheck.Outcome o, StringBuilder body) {
    body.append("\n## Graph against the journal\n\n");
    if (o.skipped().isPresent()) {
      body.append("not compared: ").append(o.skipped().get()).append('\n');
      return "graph not checked";
    }
    body.append("- journal: ").append(o.journal().line()).append('\n')
        .append("- graph before: ").append(o.before().line()).append('\n')
        .append("- graph after: ").append(o.after().line()).append('\n');
    if (o.differing().isEmpty()) {
      body.append("- the graph matches the journal\n");
    }
    list(body, o.differing().stream().filter(id -> !o.repaired().contains(id)).toList(),
        dryRun ? "differ (dry run: would be projected again)" : "differ, not repaired (paused)");
    list(body, o.repaired(), "projected again from the journal");
    list(body, o.onlyInGraph(), "in the graph but not in the journal (left as they are)");
    return o.differing().isEmpty() ? "graph matches the journal"
        : "graph: " + o.differing().size() + " issue(s) differed, " + o.repaired().size() + " repaired";
  }

  private static void list(StringBuilder body, List<String> ids, String what) {
    if (!ids.isEmpty()) {
      body.append("- ").append(ids.size()).append(' ').append(what).append(": ")
          .append(String.join(", ", ids.stream().map(id -> "#" + id).toList())).append('\n');
    }
  }
}

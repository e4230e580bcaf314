package dev.turboagents.actors.autonomy;

import java.time.Clock;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The nightly housekeeping as a schedule's work: the stale sweep, the graph check against the journal
 * and the re-embedding of the nodes that await a vector (both first, so the search the duplicates
 * come from reads a whole graph), then the duplicate sweep. Each part is a section of the report and
 * a count in its one-line summary.
 */
public final class Nightly {
  private final StaleIssues stale;
  private final GraphCheck graph;
  private final StaleEmbeddings embeddings;
  private final DuplicateSweep duplicates;
  private final Clock clock;
  private final boolean dryRun;
  private final BooleanSupplier paused;

  /** @param paused consulted before each write: a pause in the middle of a run stops its writes */
  public Nightly(StaleIssues stale, GraphCheck graph, StaleEmbeddings embeddings, DuplicateSweep duplicates, Clock clock,
      boolean dryRun, BooleanSupplier paused) {
    this.stale = stale;
    this.graph = graph;
    this.embeddings = embeddings;
    this.duplicates = duplicates;
    this.clock = clock;
    this.dryRun = dryRun;
    this.paused = paused;
  }

  public Schedules.Work asWork() {
    return (schedule, since, slot, manual) -> stale.sweep(clock.instant(), dryRun).thenCompose(s ->
        graph.run(dryRun, paused).thenCompose(g -> embeddings.run(dryRun, paused).thenCompose(e ->
            duplicates.sweep(dryRun, paused).thenApply(d -> {
              StringBuilder body = new StringBuilder("# Nightly ").append(slot).append('\n');
              String summary = "nightly" + (dryRun ? " (dry run: nothing written)" : "") + ": " + staleSection(s, body)
                  + "; " + graphSection(g, body) + "; " + embeddingSection(e, body) + "; " + duplicateSection(d, body);
              return new Schedules.Outcome(summary, body.toString());
            }))));
  }

  private String embeddingSection(StaleEmbeddings.Outcome o, StringBuilder body) {
    body.append("\n## Embeddings\n\n");
    if (!o.model().isEmpty()) {
      body.append("- model: ").append(o.model()).append('\n');
    }
    if (o.skipped().isPresent()) {
      body.append("- not re-embedded: ").append(o.skipped().get()).append('\n');
      if (o.left() > 0) {
        body.append("- awaiting a vector: ").append(o.left()).append(" node(s)\n");
      }
      return "embeddings not re-embedded";
    }
    if (dryRun) {
      body.append("- awaiting a vector: ").append(o.left()).append(" node(s) (dry run: would be re-embedded)\n");
      return "embeddings: " + o.left() + " would be re-embedded";
    }
    body.append("- re-embedded: ").append(o.reembedded()).append(" node(s)\n")
        .append("- still awaiting a vector: ").append(o.left()).append(" node(s)");
    o.stoppedBy().ifPresent(why -> body.append(" (stopped: ").append(why).append("; the next run goes on with them)"));
    body.append('\n');
    return "embeddings: " + o.reembedded() + " re-embedded, " + o.left() + " left";
  }

  private String duplicateSection(DuplicateSweep.Outcome o, StringBuilder body) {
    body.append("\n## Likely duplicates\n\n");
    if (o.skipped().isPresent()) {
      body.append("not searched: ").append(o.skipped().get()).append('\n');
      return "duplicates not searched";
    }
    body.append(o.searched()).append(" open issue(s) searched\n");
    for (DuplicateSweep.Pair p : o.pairs()) {
      body.append("- #").append(p.issue()).append(" of #").append(p.original()).append(" (similarity ")
          .append(String.format("%.2f", p.confidence())).append("): ").append(switch (p.fate()) {
            case LINKED -> "linked as duplicate_of";
            case WOULD_LINK -> "dry run: would be linked as duplicate_of";
            case SUGGESTED -> "suggested in a comment";
            case WOULD_SUGGEST -> "dry run: would be suggested in a comment";
            case ALREADY_NAMED -> "already named in a comment, not suggested again";
            case PAUSED -> "not written: the autonomy was paused";
            case FAILED -> "failed: " + p.note();
          }).append('\n');
    }
    DuplicateSweep.Fate link = dryRun ? DuplicateSweep.Fate.WOULD_LINK : DuplicateSweep.Fate.LINKED;
    DuplicateSweep.Fate suggest = dryRun ? DuplicateSweep.Fate.WOULD_SUGGEST : DuplicateSweep.Fate.SUGGESTED;
    return "duplicates: " + o.count(link) + (dryRun ? " would be" : "") + " linked, " + o.count(suggest)
        + (dryRun ? " would be" : "") + " suggested";
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

package dev.turboagents.actors.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.process.Command;
import dev.turboagents.actors.tools.process.ProcessRunner;
import dev.turboagents.actors.tools.review.CoverageFormat;
import dev.turboagents.actors.tools.review.CoverageReport;
import dev.turboagents.actors.tools.review.CoverageReportException;
import dev.turboagents.actors.tools.review.FileCoverage;
import dev.turboagents.actors.tools.workspace.ReviewDiff;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.ToolSettings;
import dev.turboagents.persistence.graph.code.CodeHit;
import dev.turboagents.persistence.graph.code.CodeIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The review agent's tools, names as in the seed: get_diff, lint_code, check_tests_coverage,
 * search_similar_code. They work on the review job's own clone at the reviewed tip
 * ({@link Workspace#reviewCheckout}); the lint and coverage commands are the configured ones,
 * never chosen by a model, and the coverage report is read by its format's parser.
 */
public final class ReviewTools {
  public static final List<String> NAMES = List.of("get_diff", "lint_code", "check_tests_coverage", "search_similar_code");

  private final Optional<Workspace> workspace;
  private final ToolSettings settings;
  private final ProcessRunner runner;
  private final CompletionStage<CodeIndex> codeIndex;
  private final Duration serviceTimeout;

  public ReviewTools(Optional<Workspace> workspace, ToolSettings settings, ProcessRunner runner,
      CompletionStage<CodeIndex> codeIndex, Duration serviceTimeout) {
    this.workspace = workspace;
    this.settings = settings;
    this.runner = runner;
    this.codeIndex = codeIndex;
    this.serviceTimeout = serviceTimeout;
  }

  public List<AgentTool> all() {
    return List.of(
        tool("get_diff", "The change under review: each file with the line numbers it touches (findings must point at "
            + "these), then the unified diff against its merge base.", CodeTools.object("pr_id",
            "the pull request under review, as the task names it"), this::diff),
        tool("lint_code", "Run the project's configured linter on the checkout and show what it says about the given files.",
            filesSchema(), this::lint),
        tool("check_tests_coverage", "Run the project's configured coverage command and read its report: line coverage "
            + "overall and of the changed files, with the touched lines no test runs.", CodeTools.object(), this::coverage),
        tool("search_similar_code", "Hybrid search over the repository's code for code like the snippet (duplication, "
            + "existing helpers); returns paths, lines and snippets.", CodeTools.object("snippet", "the code to look for"),
            this::similar));
  }

  private ToolResult diff(JsonObject a, ToolContext c) {
    Optional<ReviewDiff> diff = reviewDiff(c);
    if (diff.isEmpty()) {
      return new ToolResult.Failed("this job has no review clone (no workspace)");
    }
    ReviewDiff d = diff.get();
    if (d.files().isEmpty()) {
      return new ToolResult.Ok("no changes between " + d.range().label());
    }
    return new ToolResult.Ok("Changes " + d.range().label() + " (file: touched lines):\n" + d.summary() + "\n\n"
        + d.text().text());
  }

  private ToolResult lint(JsonObject a, ToolContext c) {
    Optional<Command> lint = Command.lint(settings.commands());
    if (lint.isEmpty()) {
      return new ToolResult.Failed("no lint command is configured (turbo-agents.tools.lint-command / TURBO_AGENTS_LINT_COMMAND)");
    }
    if (c.checkout().isEmpty()) {
      return new ToolResult.Failed("this job has no review clone (no workspace)");
    }
    List<String> files = new ArrayList<>();
    a.get("files").ifPresent(f -> f.forEach(n -> files.add(n.asText())));
    ToolResult outcome = CodeTools.outcome(runner.run(lint.get(), c.checkout().get().directory()));
    List<String> lines = outcome.text().lines().toList();
    String status = lines.isEmpty() ? outcome.outcome() : lines.getFirst();
    List<String> about = files.isEmpty() ? lines.subList(Math.min(1, lines.size()), lines.size())
        : lines.stream().skip(1).filter(l -> files.stream().anyMatch(l::contains)).toList();
    String said = about.isEmpty() ? "the linter said nothing about " + (files.isEmpty() ? "the checkout" : files)
        : String.join("\n", about);
    return outcome instanceof ToolResult.Ok ? new ToolResult.Ok("lint " + status + "\n" + said)
        : new ToolResult.Ok("lint " + status + "\n" + said + (about.isEmpty() ? "\n(its whole output:)\n"
            + String.join("\n", lines.subList(Math.min(1, lines.size()), lines.size())) : ""));
  }

  private ToolResult coverage(JsonObject a, ToolContext c) {
    ToolSettings.CoverageSettings coverage = settings.coverage();
    Optional<Command> command = Command.coverage(coverage);
    if (command.isEmpty() || coverage.report().isEmpty()) {
      return new ToolResult.Failed("no coverage is configured (turbo-agents.tools.coverage-command and coverage-report / "
          + "TURBO_AGENTS_COVERAGE_COMMAND and TURBO_AGENTS_COVERAGE_REPORT)");
    }
    if (c.checkout().isEmpty()) {
      return new ToolResult.Failed("this job has no review clone (no workspace)");
    }
    Path root = c.checkout().get().directory();
    ToolResult ran = CodeTools.outcome(runner.run(command.get(), root));
    if (!(ran instanceof ToolResult.Ok)) {
      return new ToolResult.Failed("the coverage command " + ran.text());
    }
    Path report = root.resolve(coverage.report().get()).normalize();
    if (!report.startsWith(root) || !Files.isRegularFile(report)) {
      return new ToolResult.Failed("the coverage command passed but wrote no report at " + coverage.report().get());
    }
    CoverageReport read;
    try {
      read = CoverageFormat.read(report, coverage.format().flatMap(CoverageFormat::parse));
    } catch (CoverageReportException | java.io.IOException e) {
      return new ToolResult.Failed("the coverage report could not be read: " + e.getMessage());
    }
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s report: %.1f %% of %d lines covered%n",
        read.format().wire(), read.linePercent(), read.covered() + read.missed()));
    for (ReviewDiff.ChangedFile file : reviewDiff(c).map(ReviewDiff::files).orElse(List.of())) {
      Optional<FileCoverage> f = read.file(file.path());
      if (f.isEmpty()) {
        out.append(file.path()).append(": not in the report\n");
        continue;
      }
      List<Integer> untested = f.get().uncovered().stream().filter(file.touched()::contains).toList();
      out.append(file.path()).append(": ").append(f.get().covered()).append(" lines covered, ").append(f.get().missed())
          .append(" missed").append(untested.isEmpty() ? "; every touched line with code is run by a test"
              : "; touched lines no test runs: " + untested.stream().map(String::valueOf).collect(Collectors.joining(", ")))
          .append('\n');
    }
    return new ToolResult.Ok(out.toString().strip());
  }

  private ToolResult similar(JsonObject a, ToolContext c) throws Exception {
    var index = codeIndex.toCompletableFuture();
    CodeIndex ready;
    try {
      ready = index.get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return new ToolResult.Failed("code search unavailable: the code index is not up (the knowledge graph is starting "
          + "or away)");
    }
    List<CodeHit> hits;
    try {
      hits = ready.search(a.get("snippet").map(JsonNode::asText).orElse(""), 5).toCompletableFuture()
          .get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return new ToolResult.Failed("search_similar_code could not finish: " + e.getMessage());
    }
    return new ToolResult.Ok(hits.isEmpty() ? "no similar code" : hits.stream()
        .map(h -> h.path() + ":" + h.startLine() + "-" + h.endLine() + "\n" + h.snippet())
        .collect(Collectors.joining("\n---\n")));
  }

  private Optional<ReviewDiff> reviewDiff(ToolContext c) {
    return workspace.flatMap(w -> c.checkout().map(w::reviewDiff));
  }

  private static JsonSchema filesSchema() {
    ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", "object");
    ObjectNode files = node.putObject("properties").putObject("files").put("type", "array")
        .put("description", "paths of the files to lint, relative to the repository root");
    files.putObject("items").put("type", "string");
    node.putArray("required").add("files");
    node.put("additionalProperties", false);
    return JsonSchema.of(node);
  }

  private static AgentTool tool(String name, String description, JsonSchema schema, AgentTool.Body body) {
    return AgentTool.of(new ToolSpec(name, description, schema), body, AgentTool.CRASHES);
  }
}

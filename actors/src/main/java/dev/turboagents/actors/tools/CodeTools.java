package dev.turboagents.actors.tools;

import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.files.CheckoutFiles;
import dev.turboagents.actors.tools.files.EditResult;
import dev.turboagents.actors.tools.files.ListResult;
import dev.turboagents.actors.tools.files.ReadResult;
import dev.turboagents.actors.tools.files.Refusal;
import dev.turboagents.actors.tools.files.WriteResult;
import dev.turboagents.actors.tools.process.Command;
import dev.turboagents.actors.tools.process.ProcessOutcome;
import dev.turboagents.actors.tools.process.ProcessRunner;
import dev.turboagents.actors.tools.workspace.DiffStat;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.config.ToolSettings;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeHit;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * The code agent's own tools, names and arguments as in the seed: read_file, write_file, the patch
 * edit edit_file, list_files, search_codebase, run_tests, git_diff (its get_related_issues and
 * add_comment are the {@link IssueTools}' ones). File tools are confined to the job's checkout by
 * {@link CheckoutFiles}; run_tests runs only the configured command.
 */
public final class CodeTools {
  /** The code agent's name, whose comments go only on its own issue. */
  static final String CODE_AGENT = "code";

  /**
   * Comments with the tracker's idempotency key {@code key} (job and step): a resumed job that
   * comments again at the same step gets the first comment. The same key with another text (a
   * re-run whose output differs) means the step's comment exists already: empty, nothing added.
   */
  public static CompletionStage<Optional<Comment>> commentOnce(Tracker tracker, String issue, String text, String author,
      String key) {
    return tracker.comment(issue, text, author, Optional.of(key)).<Optional<Comment>>thenApply(Optional::of)
        .exceptionallyCompose(e -> {
      Throwable cause = AsyncFailure.cause(e);
      if (cause instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.KEY_REUSED) {
        return java.util.concurrent.CompletableFuture.completedFuture(Optional.<Comment>empty());
      }
      return java.util.concurrent.CompletableFuture.failedFuture(cause);
    });
  }

  private final ToolSettings settings;
  private final ProcessRunner runner;
  private final Tracker tracker;
  private final CompletionStage<Graph> graph;
  private final CompletionStage<CodeIndex> codeIndex;
  private final Duration serviceTimeout;

  /**
   * @param serviceTimeout longest a tool waits on the tracker, the graph or the code index
   */
  public CodeTools(ToolSettings settings, ProcessRunner runner, Tracker tracker, CompletionStage<Graph> graph,
      CompletionStage<CodeIndex> codeIndex, Duration serviceTimeout) {
    this.settings = settings;
    this.runner = runner;
    this.tracker = tracker;
    this.graph = graph;
    this.codeIndex = codeIndex;
    this.serviceTimeout = serviceTimeout;
  }

  public List<AgentTool> all() {
    return List.of(
        checkout("read_file", "Read a text file of the repository.", object("path", "path relative to the repository root"),
            (files, a) -> switch (files.read(text(a, "path"))) {
              case ReadResult.Text t -> new ToolResult.Ok(t.content());
              case Refusal r -> refused(r);
            }),
        checkout("write_file", "Create or replace a file with the given content.",
            object("path", "path relative to the repository root", "content", "the whole new content"),
            (files, a) -> switch (files.write(text(a, "path"), text(a, "content"))) {
              case WriteResult.Written w -> new ToolResult.Ok((w.created() ? "created " : "replaced ") + w.path()
                  + " (" + w.bytes() + " bytes)");
              case Refusal r -> refused(r);
            }),
        checkout("edit_file", "Replace the one occurrence of `search` in a file with `replace`.",
            object("path", "path relative to the repository root", "search", "exact text that occurs once",
                "replace", "the text to put in its place"),
            (files, a) -> switch (files.edit(text(a, "path"), text(a, "search"), text(a, "replace"))) {
              case EditResult.Edited e -> new ToolResult.Ok("edited " + e.path() + " at line " + e.line());
              case Refusal r -> refused(r);
            }),
        checkout("list_files", "List the files under a directory (\"\" for the whole repository).",
            object("directory", "directory relative to the repository root"),
            (files, a) -> switch (files.list(a.get("directory").map(n -> n.asText()).orElse(""))) {
              case ListResult.Listing l -> new ToolResult.Ok(String.join("\n", l.files())
                  + (l.truncated() ? "\n(more files not listed)" : ""));
              case Refusal r -> refused(r);
            }),
        tool("search_codebase", "Semantic search over the repository's code; returns paths, lines and snippets.",
            object("query", "what to look for"), this::search),
        tool("run_tests", "Run the project's configured test command in the checkout.", object(), this::runTests),
        tool("git_diff", "Show what this job changed so far, against where it started.", object(), this::diff));
  }

  private ToolResult search(JsonObject a, ToolContext c) throws Exception {
    Optional<CodeIndex> index = ready(codeIndex);
    if (index.isEmpty()) {
      return new ToolResult.Failed("code search unavailable: the code index is not up (the knowledge graph is "
          + "starting or away); use list_files and read_file instead");
    }
    List<CodeHit> hits = await(index.get().search(text(a, "query"), 5));
    return new ToolResult.Ok(hits.isEmpty() ? "no code matches" : hits.stream()
        .map(h -> h.path() + ":" + h.startLine() + "-" + h.endLine() + "\n" + h.snippet())
        .collect(Collectors.joining("\n---\n")));
  }

  private ToolResult runTests(JsonObject a, ToolContext c) {
    Optional<JobCheckout> checkout = c.checkout();
    Optional<Command> tests = Command.tests(settings.commands());
    if (checkout.isEmpty() || tests.isEmpty()) {
      return new ToolResult.Failed("no test command is configured (--test-command / TURBO_AGENTS_TEST_COMMAND)");
    }
    return outcome(runner.run(tests.get(), checkout.get().directory()));
  }

  /** A command's outcome as a tool result: passed is Ok, anything else Failed, the output either way. */
  public static ToolResult outcome(ProcessOutcome outcome) {
    return switch (outcome) {
      case ProcessOutcome.Passed p -> new ToolResult.Ok("passed in " + p.took().toMillis() + " ms\n" + p.output().text());
      case ProcessOutcome.Failed f -> new ToolResult.Failed("failed with exit code " + f.exitCode() + "\n" + f.output().text());
      case ProcessOutcome.TimedOut t -> new ToolResult.Failed("timed out after " + t.limit() + " (killed)\n" + t.output().text());
      case ProcessOutcome.Cancelled x -> new ToolResult.Failed("interrupted (a cancel or the daemon stopping): its process tree was killed\n"
          + x.output().text());
      case ProcessOutcome.CouldNotStart s -> new ToolResult.Failed("could not start: " + s.reason());
    };
  }

  private ToolResult diff(JsonObject a, ToolContext c) {
    if (c.checkout().isEmpty()) {
      return new ToolResult.Failed("this job has no checkout");
    }
    JobCheckout checkout = c.checkout().get();
    DiffStat stat = checkout.diffStat();
    String files = stat.files().stream().map(f -> f.change() + " " + f.path() + " +" + f.added() + " -" + f.deleted())
        .collect(Collectors.joining("\n"));
    return new ToolResult.Ok(stat.files().isEmpty() ? "no changes yet" : files + "\n\n" + checkout.diff().text());
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private static AgentTool tool(String name, String description, JsonSchema schema, AgentTool.Body body) {
    return AgentTool.of(new ToolSpec(name, description, schema), body, (tool, thrown) -> thrown instanceof ServiceFailed e
        ? Optional.of(new ToolResult.Failed(tool + " could not finish: " + e.getMessage())) : Optional.empty());
  }

  private AgentTool checkout(String name, String description, JsonSchema schema,
      BiFunction<CheckoutFiles, JsonObject, ToolResult> body) {
    return tool(name, description, schema, (a, c) -> c.checkout().isEmpty()
        ? new ToolResult.Failed("this job has no checkout")
        : body.apply(new CheckoutFiles(c.checkout().get().directory(), settings.files()), a));
  }

  private static ToolResult refused(Refusal r) {
    return new ToolResult.Refused(r.message());
  }

  private static String text(JsonObject arguments, String field) {
    return arguments.get(field).map(n -> n.isTextual() ? n.asText() : n.toString()).orElse("");
  }

  /** An object schema whose properties are the given (name, description) pairs, all required strings. */
  static JsonSchema object(String... namesAndDescriptions) {
    var node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", "object");
    var properties = node.putObject("properties");
    var required = node.putArray("required");
    for (int i = 0; i < namesAndDescriptions.length; i += 2) {
      properties.putObject(namesAndDescriptions[i]).put("type", "string").put("description", namesAndDescriptions[i + 1]);
      required.add(namesAndDescriptions[i]);
    }
    node.put("additionalProperties", false);
    return JsonSchema.of(node);
  }

  private <T> Optional<T> ready(CompletionStage<T> stage) {
    var future = stage.toCompletableFuture();
    try {
      return Optional.of(future.get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException | ExecutionException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** A service a tool uses (tracker, graph, code index) refused or did not answer: the call failed, the tool is fine. */
  private static final class ServiceFailed extends Exception {
    ServiceFailed(String message) {
      super(message);
    }
  }

  private <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new ServiceFailed(String.valueOf(e.getCause().getMessage()));
    } catch (TimeoutException e) {
      throw new ServiceFailed("no answer within " + serviceTimeout);
    }
  }
}

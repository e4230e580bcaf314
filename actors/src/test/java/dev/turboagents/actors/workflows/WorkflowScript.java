package dev.turboagents.actors.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The implement → review workflow's world for tests: a git repository whose greeting says "hello
 * wrld", and the Ollama stand-in scripted by what it is asked (so a restarted daemon gets the same
 * answers). A code turn writes App.txt and then answers; a review blocks (a major finding) until
 * the greeting has its "!"; a revision adds it. One kind of call (implement, review, revise) can be
 * held in its model call, to stop the daemon while that step's job runs.
 */
public final class WorkflowScript implements AutoCloseable {
  public static final String MODEL = "coder:1b";

  private final Path repo;
  private final OllamaStandIn ollama;
  private final AtomicReference<String> hold = new AtomicReference<>("");
  private volatile CountDownLatch arrived = new CountDownLatch(1);
  /** What the first implementation writes: with the "!" the review has nothing blocking. */
  private volatile String firstFix = "hello world\nbye\n";

  /** Makes the repository in {@code repo} (git config isolated under {@code dataDir}) and starts the stand-in. */
  public WorkflowScript(Path dataDir, Path repo) throws Exception {
    this.repo = repo;
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\nbye\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    ollama = new OllamaStandIn(List.of(new StandInModel(MODEL, StandInModel.GIB, 16, 4, 64, Duration.ofMillis(20),
        500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(this::answer);
  }

  public String ollamaUrl() {
    return ollama.url();
  }

  /** The daemon's settings for the workflow: the repository, its test command, the models, a quick poll, no triggers. */
  public Map<String, Object> settings() {
    return Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", MODEL,
        "turbo-agents.agents.review-model", MODEL,
        "turbo-agents.agents.wait-check", "100ms",
        "turbo-agents.workflows.poll-interval", "100ms",
        "turbo-agents.workflows.triggers.triage-new-issues", "false",
        "turbo-agents.workflows.triggers.reply-to-comments", "false");
  }

  /** The first implementation already has the "!": the first review blocks nothing. */
  public void passReviewAtOnce() {
    firstFix = "hello world!\nbye\n";
  }

  /** Holds the model calls of {@code kind} (implement, review, revise; "" = none) from now on, with a fresh arrival latch. */
  public void hold(String kind) {
    arrived = new CountDownLatch(1);
    hold.set(kind);
  }

  /** Lets every held call go on. */
  public void release() {
    hold.set("");
  }

  /** Waits until a held call arrived. */
  public boolean awaitHeld(long seconds) throws InterruptedException {
    return arrived.await(seconds, TimeUnit.SECONDS);
  }

  private Script.Answer answer(Script.Request r) {
    String messages = r.body().path("messages").toString();
    String kind = messages.contains("the review agent") ? "review"
        : messages.contains("Revise your earlier change") ? "revise" : "implement";
    if (hold.get().equals(kind)) {
      arrived.countDown();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (hold.get().equals(kind) && System.nanoTime() < until) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (kind.equals("review")) {
      boolean fixed = messages.contains("+hello world!");
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"summary\":\"" + (fixed ? "Looks right"
          : "The greeting still lacks its exclamation mark") + "\",\"findings\":[{\"file\":\"App.txt\",\"line\":1,\"severity\":\""
          + (fixed ? "minor" : "major") + "\",\"focus\":\"correctness\",\"message\":\"" + (fixed ? "a test would keep it so"
          : "say hello world! as the issue asks") + "\"}]}}");
    }
    boolean wrote = false;
    for (JsonNode m : r.body().path("messages")) {
      wrote |= m.path("role").asText().equals("assistant");
    }
    if (wrote) {
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"" + (kind.equals("revise")
          ? "Added the exclamation mark" : "Fixed the greeting typo") + "\"}}");
    }
    String content = kind.equals("revise") ? "hello world!\\nbye\\n" : firstFix.replace("\n", "\\n");
    return Script.Answer.text("{\"name\":\"write_file\",\"arguments\":{\"path\":\"App.txt\",\"content\":\"" + content + "\"}}");
  }

  @Override
  public void close() {
    hold.set("");
    ollama.close();
  }
}

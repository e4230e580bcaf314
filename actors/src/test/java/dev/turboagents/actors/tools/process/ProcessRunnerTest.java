package dev.turboagents.actors.tools.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.config.ToolSettings.CommandSettings;
import dev.turboagents.persistence.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: exit codes, a timeout that leaves no process of the tree alive, what the command sees. */
class ProcessRunnerTest {

  @TempDir
  Path checkout;

  @TempDir
  Path scratch;

  private static CommandSettings settings(long head, long tail) {
    return new CommandSettings(Optional.empty(), Duration.ofMinutes(1), Optional.empty(), Duration.ofMinutes(1),
        head, tail, Duration.ofSeconds(5), List.of());
  }

  private ProcessRunner runner() {
    return new ProcessRunner(settings(8192, 8192), ScrubbedEnvironment.ofDaemon(List.of()), scratch);
  }

  private static Command sh(String script, Duration timeout) {
    return Command.of("tests", List.of("/bin/sh", "-c", script), timeout);
  }

  /** Still running: a killed process that init has not reaped yet is a zombie, which Java counts as alive. */
  private static boolean alive(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    try {
      String fields = Files.readString(stat);
      return fields.charAt(fields.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return !Files.exists(Path.of("/proc/self")); // no /proc (macOS): launchd reaps at once
    }
  }

  private long pid(String file) throws IOException {
    return Long.parseLong(Files.readString(checkout.resolve(file)).trim());
  }

  @Test
  void exitCodeZeroPassesAndRunsInTheCheckout() throws IOException {
    Files.writeString(checkout.resolve("marker.txt"), "here");
    ProcessOutcome outcome = runner().run(sh("cat marker.txt; echo ' ok'", Duration.ofMinutes(1)), checkout);
    ProcessOutcome.Passed passed = assertInstanceOf(ProcessOutcome.Passed.class, outcome);
    assertEquals("here ok\n", passed.output().text());
    assertTrue(passed.took().toNanos() > 0);
  }

  @Test
  void theConfiguredTestCommandLineRunsThroughTheShell() {
    CommandSettings configured = Settings.forTest(scratch.resolve("data"),
        Map.of("turbo-agents.tools.test-command", "echo one && echo two | tr a-z A-Z")).tools().commands();
    Command tests = Command.tests(configured).orElseThrow();
    assertEquals(List.of("/bin/sh", "-c", "echo one && echo two | tr a-z A-Z"), tests.argv());
    assertEquals(Optional.empty(), Command.lint(configured), "no lint command configured");

    ProcessOutcome.Passed passed = assertInstanceOf(ProcessOutcome.Passed.class, runner().run(tests, checkout));
    assertEquals("one\nTWO\n", passed.output().text());
  }

  @Test
  void anotherExitCodeFailsWithTheCodeAndStderrInTheOutput() {
    ProcessOutcome outcome = runner().run(sh("echo compiling; echo 'Test boom failed' >&2; exit 3", Duration.ofMinutes(1)), checkout);
    ProcessOutcome.Failed failed = assertInstanceOf(ProcessOutcome.Failed.class, outcome);
    assertEquals(3, failed.exitCode());
    assertEquals("compiling\nTest boom failed\n", failed.output().text());
  }

  @Test
  void aTimeoutKillsTheWholeTreeChildrenAndGrandchildren() throws IOException {
    String script = "sleep 300 & echo $! > child.pid; "
        + "sh -c 'sleep 300 & echo $! > grandchild.pid; wait' & echo $! > middle.pid; "
        + "while [ ! -s grandchild.pid ]; do :; done; echo ready; wait";
    ProcessOutcome outcome = runner().run(sh(script, Duration.ofSeconds(3)), checkout);

    ProcessOutcome.TimedOut timedOut = assertInstanceOf(ProcessOutcome.TimedOut.class, outcome);
    assertEquals(Duration.ofSeconds(3), timedOut.limit());
    assertEquals("ready\n", timedOut.output().text(), "the output before the kill is kept");
    for (String file : List.of("child.pid", "middle.pid", "grandchild.pid")) {
      long pid = pid(file);
      assertFalse(alive(pid), file + " (" + pid + ") survived the timeout");
    }
  }

  @Test
  void aBackgroundChildLeftBehindAfterExitIsKilledAndDoesNotHoldTheOutput() throws IOException {
    // the script lives on for a second after starting the child, so the runner sees it in the tree
    ProcessOutcome outcome = runner().run(sh("sleep 300 & echo $! > child.pid; echo done; sleep 1; exit 4", Duration.ofMinutes(1)), checkout);

    ProcessOutcome.Failed failed = assertInstanceOf(ProcessOutcome.Failed.class, outcome);
    assertEquals(4, failed.exitCode());
    assertEquals("done\n", failed.output().text());
    assertTrue(failed.took().compareTo(Duration.ofSeconds(30)) < 0, "waited for the orphan: " + failed.took());
    assertFalse(alive(pid("child.pid")), "the background child survived its parent's exit");
  }

  @Test
  void interruptingTheCallerCancelsTheRunAndKillsTheTree() throws Exception {
    AtomicReference<ProcessOutcome> outcome = new AtomicReference<>();
    Thread caller = Thread.ofPlatform().start(
        () -> outcome.set(runner().run(sh("sleep 300 & echo $! > child.pid; wait", Duration.ofMinutes(5)), checkout)));
    long child = Eventually.value(Duration.ofSeconds(20), () -> {
      try {
        return pid("child.pid");
      } catch (IOException | NumberFormatException e) {
        throw new AssertionError("the command has not started its child yet", e);
      }
    });
    caller.interrupt();
    caller.join(Duration.ofSeconds(20));

    assertFalse(caller.isAlive(), "the run did not return after the interrupt");
    assertInstanceOf(ProcessOutcome.Cancelled.class, outcome.get());
    assertFalse(alive(child), "the child survived the cancellation");
  }

  @Test
  void theCommandSeesOnlyPathLangItsOwnHomeAndTheAllowList() throws IOException {
    Map<String, String> daemon = new HashMap<>(Map.of(
        "PATH", System.getenv("PATH"),
        "HOME", "/home/daemon-user",
        "JAVA_HOME", "/opt/jdk",
        "OLLAMA_API_TOKEN", "sk-secret-token",
        "NEO4J_PASSWORD", "hunter2",
        "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"));
    ProcessRunner runner = new ProcessRunner(settings(8192, 8192), new ScrubbedEnvironment(daemon, List.of("JAVA_HOME", "NOT_SET")), scratch);

    ProcessOutcome.Passed passed = assertInstanceOf(ProcessOutcome.Passed.class,
        runner.run(Command.of("tests", List.of("env"), Duration.ofMinutes(1)), checkout));
    Map<String, String> seen = Arrays.stream(passed.output().text().split("\n"))
        .map(line -> line.split("=", 2)).collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));

    assertEquals(Set.of("PATH", "LANG", "HOME", "TMPDIR", "JAVA_HOME"), seen.keySet());
    assertEquals("/opt/jdk", seen.get("JAVA_HOME"));
    assertEquals("C.UTF-8", seen.get("LANG"), "no LANG in the daemon: a UTF-8 default");
    Path home = Path.of(seen.get("HOME"));
    assertTrue(home.startsWith(scratch), "HOME is the run's own directory: " + home);
    assertFalse(Files.exists(home), "the run's HOME is deleted after it");
    assertFalse(passed.output().text().contains("hunter2") || passed.output().text().contains("sk-secret"));
  }

  @Test
  void theDaemonsRealEnvironmentDoesNotLeak() {
    Set<String> extra = new TreeSet<>(System.getenv().keySet());
    extra.removeAll(Set.of("PATH", "LANG", "HOME", "TMPDIR"));
    assertFalse(extra.isEmpty(), "this test needs a daemon variable to leak, e.g. surefire's XDG_CONFIG_HOME");

    ProcessOutcome.Passed passed = assertInstanceOf(ProcessOutcome.Passed.class,
        runner().run(Command.of("tests", List.of("env"), Duration.ofMinutes(1)), checkout));
    Set<String> names = Arrays.stream(passed.output().text().split("\n")).map(line -> line.split("=", 2)[0]).collect(Collectors.toSet());
    assertEquals(Set.of("PATH", "LANG", "HOME", "TMPDIR"), names, "leaked from " + extra);
  }

  @Test
  void longOutputKeepsItsHeadAndTailAndSaysWhatWasCut() {
    ProcessRunner runner = new ProcessRunner(settings(16, 32), ScrubbedEnvironment.ofDaemon(List.of()), scratch);
    ProcessOutcome.Passed passed = assertInstanceOf(ProcessOutcome.Passed.class,
        runner.run(Command.of("tests", List.of("seq", "1", "100000"), Duration.ofMinutes(1)), checkout));

    long total = IntStream.rangeClosed(1, 100000).mapToLong(i -> Integer.toString(i).length() + 1).sum();
    assertEquals(total, passed.output().totalBytes());
    assertEquals(total - 48, passed.output().cutBytes());
    String text = passed.output().text();
    assertTrue(text.startsWith("1\n2\n3\n4\n5\n6\n7\n8\n"), text);
    assertTrue(text.contains("\n[... " + (total - 48) + " bytes cut ...]\n"), text);
    assertTrue(text.endsWith("99996\n99997\n99998\n99999\n100000\n"), text);
  }

  @Test
  void aMissingProgramOrDirectoryCouldNotStartAndSaysWhy() {
    ProcessOutcome.CouldNotStart program = assertInstanceOf(ProcessOutcome.CouldNotStart.class,
        runner().run(Command.of("tests", List.of("/nonexistent/run-tests"), Duration.ofMinutes(1)), checkout));
    assertTrue(program.reason().contains("/nonexistent/run-tests"), program.reason());

    ProcessOutcome.CouldNotStart directory = assertInstanceOf(ProcessOutcome.CouldNotStart.class,
        runner().run(sh("true", Duration.ofMinutes(1)), checkout.resolve("gone")));
    assertTrue(directory.reason().contains("gone") && directory.reason().contains("does not exist"), directory.reason());
  }
}

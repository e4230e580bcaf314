package dev.turboagents.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged daemon (runtime/target/turbo-agents.jar) run as a child process, as a user runs it. */
final class DaemonProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  final Process process;
  final String url;
  private final LinkedBlockingQueue<String> lines;
  private final Thread reader;

  private DaemonProcess(Process process, String url, LinkedBlockingQueue<String> lines, Thread reader) {
    this.process = process;
    this.url = url;
    this.lines = lines;
    this.reader = reader;
  }

  static Path jar() {
    Path jar = Path.of("target", "turbo-agents.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: the process tests run after `package` (mvn verify)");
    }
    return jar;
  }

  static ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("TURBO_AGENTS_"));
    pb.environment().put("OLLAMA_HOST", StandInOllama.url());
    return pb;
  }

  /** Starts {@code serve} on a free port and waits for its "listening on" line. */
  static DaemonProcess start(Path dataDir) throws Exception {
    return start(dataDir, java.util.Map.of());
  }

  /** The same with more environment (it wins over the defaults, OLLAMA_HOST included) and more flags. */
  static DaemonProcess start(Path dataDir, java.util.Map<String, String> environment, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--data-dir", dataDir.toString()));
    args.addAll(List.of(flags));
    ProcessBuilder pb = command(args.toArray(String[]::new));
    pb.environment().putAll(environment);
    Process p = pb.start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    StringBuilder seen = new StringBuilder();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(200, TimeUnit.MILLISECONDS);
      if (line != null) {
        seen.append(line).append('\n');
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          return new DaemonProcess(p, m.group(1), lines, reader);
        }
      } else if (!p.isAlive()) {
        break;
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("the daemon did not start; it printed:\n" + seen);
  }

  /** What the daemon printed after its "listening" line; once it has exited, all of it. */
  String output() throws InterruptedException {
    if (!process.isAlive()) {
      reader.join(10_000);
    }
    List<String> all = new ArrayList<>();
    lines.drainTo(all);
    return String.join("\n", all);
  }

  /** SIGKILL: no shutdown hook, no flush, no goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}

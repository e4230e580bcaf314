package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The command-line client run in the test's JVM: checks its exit code and returns what it printed on stdout. */
public final class InProcessCli {
  private InProcessCli() {}

  /** Runs {@code args}, expecting exit code 0. */
  public static String run(String... args) {
    return run(0, args);
  }

  /** Runs {@code args}, expecting {@code expectedExit}. */
  public static String run(int expectedExit, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream before = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = Main.run(args);
    } finally {
      System.setOut(before);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, exit, String.join(" ", args) + " printed: " + printed);
    return printed;
  }
}

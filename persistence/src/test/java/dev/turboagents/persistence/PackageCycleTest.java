package dev.turboagents.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.persistence.tracker.Tracker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/** The module's packages depend on each other one way only (jdeps on the compiled classes). */
class PackageCycleTest {

  private static final Pattern EDGE = Pattern.compile("^\\s+(dev\\.turboagents\\.\\S+)\\s+->\\s+(dev\\.turboagents\\.\\S+)\\s");

  @Test
  void noPackageCycle() throws Exception {
    Path classes = Path.of(Tracker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps"));
    StringWriter out = new StringWriter();
    int exit = jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:package", "-e", "dev\\.turboagents\\..*",
        classes.toString());
    assertEquals(0, exit, out.toString());
    Map<String, Set<String>> uses = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find() && !m.group(1).equals(m.group(2))) {
        uses.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
      }
    }
    assertTrue(uses.containsKey("dev.turboagents.persistence.tracker"), "jdeps saw the packages: " + out);
    for (String start : uses.keySet()) {
      List<String> cycle = cycleFrom(start, start, uses, new ArrayList<>(List.of(start)), new TreeSet<>());
      assertTrue(cycle.isEmpty(), "package cycle: " + String.join(" -> ", cycle));
    }
  }

  private static List<String> cycleFrom(String start, String at, Map<String, Set<String>> uses, List<String> path, Set<String> seen) {
    for (String next : uses.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return cycle;
      }
      if (seen.add(next)) {
        path.add(next);
        List<String> found = cycleFrom(start, next, uses, path, seen);
        if (!found.isEmpty()) {
          return found;
        }
        path.removeLast();
      }
    }
    return List.of();
  }
}

package dev.turboagents.actors.tools.review;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One source file's line coverage as a report gives it.
 *
 * @param path the file as the report names it (JaCoCo: package path and file name; Cobertura: the
 *     class's filename; lcov: the SF path), matched against repository paths by {@link #matches}
 * @param lines per line number that has code: whether a test ran it
 */
public record FileCoverage(String path, SortedMap<Integer, Boolean> lines) {

  public FileCoverage {
    lines = Collections.unmodifiableSortedMap(new TreeMap<>(lines));
  }

  public long covered() {
    return lines.values().stream().filter(c -> c).count();
  }

  public long missed() {
    return lines.size() - covered();
  }

  /** The lines with code no test ran. */
  public List<Integer> uncovered() {
    return lines.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
  }

  /**
   * Whether this is the repository file {@code repositoryPath}: the same path, or the report's path
   * is its tail at a directory boundary ({@code demo/Greeting.java} is {@code src/main/java/demo/Greeting.java}).
   */
  public boolean matches(String repositoryPath) {
    String mine = path.replace('\\', '/');
    while (mine.startsWith("./")) {
      mine = mine.substring(2);
    }
    return repositoryPath.equals(mine) || repositoryPath.endsWith("/" + mine) || mine.endsWith("/" + repositoryPath);
  }

  /** Two reports of the same file (Cobertura lists a file once per class): a line is covered if either covers it. */
  FileCoverage merge(FileCoverage other) {
    TreeMap<Integer, Boolean> merged = new TreeMap<>(lines);
    other.lines.forEach((line, covered) -> merged.merge(line, covered, Boolean::logicalOr));
    return new FileCoverage(path, merged);
  }
}

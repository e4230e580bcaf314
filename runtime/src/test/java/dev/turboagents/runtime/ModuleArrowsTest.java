package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The module arrows of docs/architecture.md, checked on the poms: a module may use only the modules
 * the architecture lets it (test scope aside), so an arrow it rules out cannot creep back in.
 */
class ModuleArrowsTest {
  private static final Map<String, Set<String>> ALLOWED = Map.of(
      "config", Set.of(),
      "persistence", Set.of("config"),
      "actors", Set.of("config", "persistence"),
      "supervisors", Set.of("config", "persistence", "actors"),
      "http", Set.of("config", "persistence", "actors"),
      "runtime", Set.of("config", "persistence", "actors", "supervisors", "http"));
  private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern OURS = Pattern.compile("<artifactId>turbo-agents-([a-z]+)</artifactId>");

  @Test
  void everyModuleUsesOnlyTheModulesTheArchitectureAllows() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    List<String> broken = new ArrayList<>();
    for (var module : ALLOWED.entrySet()) {
      String pom = Files.readString(root.resolve(module.getKey()).resolve("pom.xml"));
      Matcher dependency = DEPENDENCY.matcher(pom);
      while (dependency.find()) {
        Matcher ours = OURS.matcher(dependency.group(1));
        if (ours.find() && !dependency.group(1).contains("<scope>test</scope>") && !module.getValue().contains(ours.group(1))) {
          broken.add(module.getKey() + " -> " + ours.group(1));
        }
      }
    }
    assertTrue(broken.isEmpty(), "arrows the architecture rules out: " + broken);
  }
}

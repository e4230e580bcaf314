package dev.turboagents.persistence.graph;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The labelled issues under test resources graph/retrieval-set (see its README). */
public record RetrievalSet(List<Issue> issues, List<Related> related) {

  public record Issue(String id, String project, String status, Optional<String> duplicateOf, String title,
      String description) {

    GraphWrite.UpsertIssue write() {
      return GraphWrite.UpsertIssue.of(id).inProject(project).withStatus(status).withTitle(title).withDescription(description);
    }
  }

  public record Related(String from, Relation relation, String to) {}

  public static RetrievalSet load() {
    List<Issue> issues = new ArrayList<>();
    for (String line : lines("issues.tsv").subList(1, lines("issues.tsv").size())) {
      String[] f = line.split("\t", -1);
      issues.add(new Issue(f[0], f[1], f[2], "-".equals(f[3]) ? Optional.empty() : Optional.of(f[3]), f[4], f[5]));
    }
    List<Related> related = lines("related.tsv").stream().map(l -> l.split("\t"))
        .map(f -> new Related(f[0], Relation.valueOf(f[1]), f[2])).toList();
    return new RetrievalSet(List.copyOf(issues), related);
  }

  public List<Issue> duplicates() {
    return issues.stream().filter(i -> i.duplicateOf().isPresent()).toList();
  }

  private static List<String> lines(String name) {
    try (InputStream in = RetrievalSet.class.getResourceAsStream("/graph/retrieval-set/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource graph/retrieval-set/" + name);
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

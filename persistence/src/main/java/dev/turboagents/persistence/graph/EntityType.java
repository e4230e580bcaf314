package dev.turboagents.persistence.graph;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of node in the knowledge graph; {@link #apiName()} is how the HTTP API spells them. */
public enum EntityType {
  PROJECT("Project"), ISSUE("Issue"), COMMENT("Comment"), DECISION("Decision"), JOB("Job"), FILE("File"),
  COMMIT("Commit");

  private final String label;

  EntityType(String label) {
    this.label = label;
  }

  /** The Neo4j label. */
  public String label() {
    return label;
  }

  public String apiName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Optional<EntityType> fromApiName(String name) {
    return Arrays.stream(values()).filter(t -> t.apiName().equalsIgnoreCase(name) || t.label.equals(name)).findFirst();
  }
}

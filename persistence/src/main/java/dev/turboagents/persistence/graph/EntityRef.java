package dev.turboagents.persistence.graph;

/** One node of the graph by type and id; {@link #key()} is its unique key across all types. */
public record EntityRef(EntityType type, String id) {

  public EntityRef {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("an entity id must not be empty");
    }
  }

  public static EntityRef issue(String id) {
    return new EntityRef(EntityType.ISSUE, id);
  }

  public static EntityRef project(String id) {
    return new EntityRef(EntityType.PROJECT, id);
  }

  public String key() {
    return type.apiName() + ":" + id;
  }

  @Override
  public String toString() {
    return key();
  }
}

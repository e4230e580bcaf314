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

  /** The entity a {@link #key()} names, empty for a key of no known type. */
  public static java.util.Optional<EntityRef> parseKey(String key) {
    int colon = key.indexOf(':');
    if (colon < 1 || colon == key.length() - 1) {
      return java.util.Optional.empty();
    }
    return EntityType.fromApiName(key.substring(0, colon)).map(t -> new EntityRef(t, key.substring(colon + 1)));
  }

  public String key() {
    return type.apiName() + ":" + id;
  }

  @Override
  public String toString() {
    return key();
  }
}

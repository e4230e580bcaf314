package dev.turboagents.persistence.graph;

/**
 * A node reached from another by traversal.
 *
 * @param distance hops on the shortest path found
 * @param via the relationship types along that path, "TYPE>" when followed forwards, "&lt;TYPE" backwards
 */
public record RelatedEntity(EntityRef entity, String title, int distance, String via, String snippet, String status) {}

package dev.turboagents.persistence.projects;

import dev.turboagents.persistence.CborSerializable;
import java.time.Instant;

/** A project as its events made it; {@code version} counts the events applied. */
public record Project(String id, String name, String description, ProjectStatus status, String createdBy,
    Instant createdAt, Instant updatedAt, long version) implements CborSerializable {

  /** The project a ProjectCreated event starts. */
  public static Project created(String id, ProjectEntity.ProjectCreated e) {
    return new Project(id, e.name(), e.description(), ProjectStatus.ACTIVE, e.author(), e.at(), e.at(), 1);
  }

  public Project apply(ProjectEntity.Event event) {
    return switch (event) {
      case ProjectEntity.ProjectCreated e -> created(id, e);
      case ProjectEntity.ProjectRenamed e -> new Project(id, e.name(), description, status, createdBy, createdAt, e.at(), version + 1);
      case ProjectEntity.ProjectDescriptionChanged e -> new Project(id, name, e.description(), status, createdBy, createdAt, e.at(), version + 1);
      case ProjectEntity.ProjectStatusChanged e -> new Project(id, name, description, e.to(), createdBy, createdAt, e.at(), version + 1);
    };
  }
}

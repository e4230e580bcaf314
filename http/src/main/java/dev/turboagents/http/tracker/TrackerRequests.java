package dev.turboagents.http.tracker;

import dev.turboagents.http.TextChange;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The bodies the tracker's endpoints accept, bound by Jackson (snake_case on the wire; a field not
 * listed here is refused with the list of those that are). Rules a type cannot say (required
 * fields, allowed values, lengths) are checked by the routes and the entities, naming the field.
 */
final class TrackerRequests {

  private TrackerRequests() {}

  /** {@code POST /issues}. */
  record NewIssue(Optional<String> title, Optional<String> description, Optional<String> priority,
      Optional<List<String>> labels, Optional<String> projectId, Optional<String> assignee, Optional<String> author) {}

  /** {@code PATCH /issues/{id}}: a left-out field stays; {@code assignee} and {@code project_id} may be null to clear them. */
  record IssuePatch(Optional<String> title, Optional<String> description, Optional<String> status, Optional<String> priority,
      Optional<List<String>> labels, TextChange projectId, TextChange assignee, Optional<String> duplicateOf,
      Optional<String> triagedBy, OptionalLong version) {}

  /** {@code POST /issues/{id}/comments}. */
  record NewComment(Optional<String> text, Optional<String> author) {}

  /** {@code POST /issues/{id}/dependencies}: exactly one of the two. */
  record NewDependency(Optional<String> blockedBy, Optional<String> blocks, OptionalLong version) {}

  /** {@code POST /projects}. */
  record NewProject(Optional<String> name, Optional<String> description, Optional<String> author) {}

  /** {@code PATCH /projects/{id}}. */
  record ProjectPatch(Optional<String> name, Optional<String> description, Optional<String> status, OptionalLong version) {}
}

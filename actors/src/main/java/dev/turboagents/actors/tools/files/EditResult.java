package dev.turboagents.actors.tools.files;

/** What the patch edit (replace one unique snippet) returns. */
public sealed interface EditResult permits EditResult.Edited, Refusal {

  /** @param line the 1-based line where the replaced text began */
  record Edited(String path, int line, long bytes) implements EditResult {}
}

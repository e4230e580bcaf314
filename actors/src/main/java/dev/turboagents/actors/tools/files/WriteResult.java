package dev.turboagents.actors.tools.files;

/** What write_file returns. */
public sealed interface WriteResult permits WriteResult.Written, Refusal {

  /** @param created whether the file is new (else it was replaced) */
  record Written(String path, long bytes, boolean created) implements WriteResult {}
}

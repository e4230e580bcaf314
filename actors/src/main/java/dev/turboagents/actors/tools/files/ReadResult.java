package dev.turboagents.actors.tools.files;

/** What read_file returns. */
public sealed interface ReadResult permits ReadResult.Text, Refusal {

  record Text(String path, String content, long bytes) implements ReadResult {}
}

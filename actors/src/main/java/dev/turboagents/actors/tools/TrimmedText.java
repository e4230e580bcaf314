package dev.turboagents.actors.tools;

/**
 * Text bounded for a model: {@code text} holds the beginning and the end of what was produced, and a
 * marker line where {@code cutBytes} bytes were left out.
 *
 * @param totalBytes everything that was produced, in bytes
 * @param cutBytes how many of them are not in {@code text}
 */
public record TrimmedText(String text, long totalBytes, long cutBytes) {

  public boolean trimmed() {
    return cutBytes > 0;
  }
}

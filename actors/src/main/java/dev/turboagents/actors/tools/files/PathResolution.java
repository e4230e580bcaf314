package dev.turboagents.actors.tools.files;

import java.nio.file.Path;

/** Where a path given by a model leads: a place inside the job's checkout, or a refusal. */
public sealed interface PathResolution permits PathResolution.Inside, Refusal {

  /**
   * @param path the path relative to the checkout root, with '/' ("." for the root itself), as
   *     tools report it back
   * @param file the absolute location to operate on, symbolic links already followed and checked
   */
  record Inside(String path, Path file) implements PathResolution {}
}

package dev.turboagents.actors.tools.files;

import java.util.List;

/** What list_files returns. */
public sealed interface ListResult permits ListResult.Listing, Refusal {

  /**
   * @param files paths relative to the checkout root, in git's order
   * @param truncated whether there were more than {@code turbo-agents.tools.max-list-entries}
   */
  record Listing(String directory, List<String> files, boolean truncated) implements ListResult {
    public Listing {
      files = List.copyOf(files);
    }
  }
}

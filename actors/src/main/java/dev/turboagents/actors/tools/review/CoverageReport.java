package dev.turboagents.actors.tools.review;

import java.util.List;
import java.util.Optional;

/**
 * A coverage report, read by its format's own parser ({@link JacocoReport}, {@link CoberturaReport},
 * {@link LcovReport}).
 */
public record CoverageReport(CoverageFormat format, List<FileCoverage> files) {

  public CoverageReport {
    files = List.copyOf(files);
  }

  public long covered() {
    return files.stream().mapToLong(FileCoverage::covered).sum();
  }

  public long missed() {
    return files.stream().mapToLong(FileCoverage::missed).sum();
  }

  /** Covered lines over lines with code, 0..100; 0 for a report without lines. */
  public double linePercent() {
    long all = covered() + missed();
    return all == 0 ? 0 : 100.0 * covered() / all;
  }

  /** The report's entry for the repository file {@code path}, if it has one. */
  public Optional<FileCoverage> file(String path) {
    return files.stream().filter(f -> f.matches(path)).findFirst();
  }
}

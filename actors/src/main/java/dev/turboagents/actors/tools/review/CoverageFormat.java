package dev.turboagents.actors.tools.review;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The coverage report formats the review agent reads ({@code turbo-agents.tools.coverage-format}). */
public enum CoverageFormat {
  JACOCO, COBERTURA, LCOV;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** "auto" is empty: the format is told from the file itself. */
  public static Optional<CoverageFormat> parse(String name) {
    return Arrays.stream(values()).filter(f -> f.wire().equals(name.toLowerCase(Locale.ROOT))).findFirst();
  }

  /** Reads {@code report} in {@code format}, or in the format its content shows when that is empty. */
  public static CoverageReport read(Path report, Optional<CoverageFormat> format) throws IOException, CoverageReportException {
    CoverageFormat actual = format.isPresent() ? format.get() : detect(report);
    return switch (actual) {
      case JACOCO -> JacocoReport.read(report);
      case COBERTURA -> CoberturaReport.read(report);
      case LCOV -> LcovReport.read(report);
    };
  }

  /** XML whose root is {@code report} is JaCoCo, {@code coverage} Cobertura; anything else is taken for lcov. */
  static CoverageFormat detect(Path report) throws IOException, CoverageReportException {
    return switch (SafeXml.rootElement(report).orElse("")) {
      case "report" -> JACOCO;
      case "coverage" -> COBERTURA;
      case "" -> LCOV;
      default -> throw new CoverageReportException(report + " is XML but neither JaCoCo (<report>) nor Cobertura (<coverage>)");
    };
  }
}

package dev.turboagents.actors.tools.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three coverage parsers on reports the real tools wrote (src/test/resources/coverage/README.md). */
class CoverageReportTest {
  @TempDir
  Path dir;

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(CoverageReportTest.class.getResource("/coverage/" + name).toURI());
  }

  @Test
  void jacocoXmlGivesEachLineOfTheSourceFile() throws Exception {
    CoverageReport report = CoverageFormat.read(fixture("jacoco.xml"), Optional.empty());
    assertEquals(CoverageFormat.JACOCO, report.format(), "told from its <report> root, through its DOCTYPE");
    FileCoverage greeting = report.file("src/main/java/demo/Greeting.java").orElseThrow();
    assertEquals("demo/Greeting.java", greeting.path());
    assertEquals(List.of(3, 5, 6, 8, 12), List.copyOf(greeting.lines().keySet()));
    assertEquals(List.of(3, 6, 12), greeting.uncovered(), "the constructor, the stranger branch and shout were not run");
    assertEquals(2, greeting.covered());
    assertEquals(40.0, report.linePercent(), 0.001, "the report's own LINE counter: 2 covered, 3 missed");
    assertTrue(report.file("src/main/java/demo/Other.java").isEmpty());
  }

  @Test
  void coberturaXmlFromCoveragePy() throws Exception {
    CoverageReport report = CoverageFormat.read(fixture("cobertura.xml"), Optional.empty());
    assertEquals(CoverageFormat.COBERTURA, report.format());
    FileCoverage greeting = report.file("greeting.py").orElseThrow();
    assertEquals(List.of(3, 8), greeting.uncovered());
    assertEquals(4, greeting.covered());
    assertEquals(6 + 2, report.covered() + report.missed(), "lines-valid=8 in the report");
    assertEquals(75.0, report.linePercent(), 0.001, "line-rate=0.75 in the report");
  }

  @Test
  void lcovTracefileFromCoveragePyReadByRecords() throws Exception {
    CoverageReport report = CoverageFormat.read(fixture("coverage.lcov"), Optional.empty());
    assertEquals(CoverageFormat.LCOV, report.format());
    assertEquals(List.of("greeting.py", "test_greeting.py"), report.files().stream().map(FileCoverage::path).toList());
    FileCoverage greeting = report.file("greeting.py").orElseThrow();
    assertEquals(List.of(3, 8), greeting.uncovered());
    assertEquals(4, greeting.covered(), "LH:4");
    assertEquals(6, greeting.lines().size(), "LF:6");
  }

  @Test
  void theSameCodeGivesTheSameLinesInCoberturaAndLcov() throws Exception {
    assertEquals(CoverageFormat.read(fixture("cobertura.xml"), Optional.empty()).file("greeting.py").orElseThrow().lines(),
        CoverageFormat.read(fixture("coverage.lcov"), Optional.of(CoverageFormat.LCOV)).file("greeting.py").orElseThrow().lines());
  }

  @Test
  void anExternalEntityIsNeverLoaded() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET");
    Path report = Files.writeString(dir.resolve("evil.xml"), """
        <?xml version="1.0"?>
        <!DOCTYPE report [<!ENTITY leak SYSTEM "%s">]>
        <report name="x"><package name="&leak;"><sourcefile name="A.java"><line nr="1" mi="0" ci="1" mb="0" cb="0"/></sourcefile></package></report>
        """.formatted(secret.toUri()));
    try {
      CoverageReport read = JacocoReport.read(report);
      assertFalse(read.files().stream().anyMatch(f -> f.path().contains("TOP-SECRET")), read.toString());
    } catch (CoverageReportException refused) {
      assertFalse(refused.getMessage().contains("TOP-SECRET"), refused.getMessage());
    }
  }

  @Test
  void brokenReportsAreNamedWithWhatIsWrong() throws Exception {
    Path badLine = Files.writeString(dir.resolve("bad.lcov"), "SF:a.py\nDA:one,1\nend_of_record\n");
    assertTrue(assertThrows(CoverageReportException.class, () -> LcovReport.read(badLine)).getMessage()
        .contains("bad.lcov:2: DA needs whole numbers"));
    Path open = Files.writeString(dir.resolve("open.lcov"), "SF:a.py\nDA:1,1\n");
    assertTrue(assertThrows(CoverageReportException.class, () -> LcovReport.read(open)).getMessage()
        .contains("has no end_of_record"));
    Path notJacoco = Files.writeString(dir.resolve("other.xml"), "<coverage/>");
    assertTrue(assertThrows(CoverageReportException.class, () -> JacocoReport.read(notJacoco)).getMessage()
        .contains("not a JaCoCo report"));
    Path junk = Files.writeString(dir.resolve("junk.xml"), "<report><package");
    assertThrows(CoverageReportException.class, () -> CoverageFormat.read(junk, Optional.empty()));
  }
}

package dev.turboagents.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The autonomy's reports, summary issue and dry run as reference.conf sets them, and a bad count named. */
class AutonomySettingsTest {

  @TempDir
  Path dataDir;

  private AutonomySettings with(Map<String, ?> overrides) {
    return AutonomySettings.of(Settings.forTest(dataDir, overrides));
  }

  @Test
  void thirtyReportsOfEachScheduleNoSummaryIssueAndNoDryRunByDefault() {
    AutonomySettings a = with(Map.of());
    assertEquals(30, a.reportsKept());
    assertEquals(Optional.empty(), a.standupIssue());
    assertFalse(a.dryRun());
  }

  @Test
  void theSummaryIssueAndTheDryRunAreRead() {
    AutonomySettings a = with(Map.of("turbo-agents.autonomy.standup-summary-issue", " 42 ", "turbo-agents.autonomy.dry-run", true,
        "turbo-agents.autonomy.reports-kept", 5));
    assertEquals(Optional.of("42"), a.standupIssue());
    assertTrue(a.dryRun());
    assertEquals(5, a.reportsKept());
  }

  @Test
  void aReportCountOutOfRangeNamesTheKey() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> with(Map.of("turbo-agents.autonomy.reports-kept", 0)));
    assertTrue(e.getMessage().contains("turbo-agents.autonomy.reports-kept") && e.getMessage().contains("between 1 and 1000"),
        e.getMessage());
  }
}

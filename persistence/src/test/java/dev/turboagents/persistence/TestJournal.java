package dev.turboagents.persistence;

import com.typesafe.config.Config;
import dev.turboagents.config.Settings;
import java.nio.file.Path;
import java.util.Map;

/** The daemon's own configuration pointed at a temporary data directory: real LevelDB on disk. */
public final class TestJournal {

  private TestJournal() {}

  public static Settings settings(Path dataDir) {
    return Settings.forTest(dataDir, Map.of());
  }

  public static Config config(Path dataDir) {
    return settings(dataDir).config();
  }
}

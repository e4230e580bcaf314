package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeavingModelsTest {
  private static final long MS = 1_000_000L;

  private static LoadedModel listed(String name) {
    return new LoadedModel(name, name, 100, 0, "d", ModelDetails.NONE, Optional.empty(),
        Optional.empty());
  }

  private static List<String> names(LeavingModels.Read read) {
    return read.running().stream().map(LoadedModel::name).toList();
  }

  @Test
  void aModelListedWithinTheLagOfItsUnloadIsLeavingAndOneNoLongerListedHasGone() {
    LeavingModels leaving = new LeavingModels(Duration.ofMillis(500));
    leaving.unloaded("a", 0);
    LeavingModels.Read read = leaving.read(List.of(listed("a"), listed("b")), 100 * MS);
    assertEquals(List.of("b"), names(read));
    assertEquals(List.of(), read.stayed());
    assertEquals(List.of("b"), names(leaving.read(List.of(listed("b")), 200 * MS)));
    // gone once: listed again later, it is another load (another tool's, or Ollama's own) and counts
    assertEquals(List.of("a", "b"), names(leaving.read(List.of(listed("a"), listed("b")), 300 * MS)));
  }

  @Test
  void aModelStillListedAfterTheLagStayedAndIsSaidSoOnce() {
    LeavingModels leaving = new LeavingModels(Duration.ofMillis(500));
    leaving.unloaded("a", 0);
    LeavingModels.Read late = leaving.read(List.of(listed("a")), 600 * MS);
    assertEquals(List.of("a"), names(late));
    assertEquals(List.of("a"), late.stayed());
    assertEquals(List.of(), leaving.read(List.of(listed("a")), 700 * MS).stayed());
  }

  @Test
  void aModelTheDoorLoadsAgainIsTakenAsListedAtOnce() {
    LeavingModels leaving = new LeavingModels(Duration.ofMillis(500));
    leaving.unloaded("a", 0);
    leaving.loading("a");
    assertEquals(List.of("a"), names(leaving.read(List.of(listed("a")), 10 * MS)));
  }
}

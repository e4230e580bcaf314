package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the planner evicts before a load, how it sizes models, and how it takes the server's running set. */
class ResidencyPlannerTest {
  private static final long GIB = 1L << 30;

  private static ResidencyPlanner ready(ResidencyPlanner p, String model, long bytes, long at) {
    return p.loading(model, bytes, Optional.empty(), at).loaded(model, at);
  }

  private static LoadedModel running(String name, long size, long vram) {
    return new LoadedModel(name, name, size, vram, "", ModelDetails.NONE, Optional.of(Instant.EPOCH), Optional.of(4096));
  }

  @Test
  void aModelIsSizedByItsMeasuredFootprintElseWeightsPlusKvCacheAtTheContextLength() {
    ResidencyPlanner p = new ResidencyPlanner(48 * GIB, 3).weights("m", 10 * GIB);
    assertEquals(12 * GIB, p.estimate("m", 8192), "no metadata: a fifth on top of the weights");
    p = p.kvBytesPerToken("m", 320 * 1024);
    assertEquals(10 * GIB + 8192L * 320 * 1024, p.estimate("m", 8192));
    p = p.reconcile(List.of(running("m", 11 * GIB, 13 * GIB)), 0);
    assertEquals(13 * GIB, p.estimate("m", 8192), "what /api/ps reports wins, the larger of size and size_vram");
    assertFalse(new ResidencyPlanner(GIB, 1).knowsSize("unknown"));
  }

  @Test
  void aLoadEvictsIdleModelsForeignFirstThenOnesNobodyWaitsForThenLeastRecentlyUsed() {
    ResidencyPlanner p = new ResidencyPlanner(10 * GIB, 4);
    p = ready(p, "old", 3 * GIB, 1);
    p = ready(p, "wanted", 3 * GIB, 2);
    p = ready(p, "recent", 3 * GIB, 3);
    var plan = assertInstanceOf(ResidencyPlanner.LoadPlan.Evict.class, p.planLoad("new", 3 * GIB, Set.of(), Set.of("wanted", "old")));
    assertEquals(List.of("recent"), plan.evict(), "recent has no queued work; old and wanted have");
    var lru = assertInstanceOf(ResidencyPlanner.LoadPlan.Evict.class, p.planLoad("new", 6 * GIB, Set.of(), Set.of()));
    assertEquals(List.of("old", "wanted"), lru.evict(), "least recently used first, until 6 GiB fit");
    ResidencyPlanner withForeign = p.reconcile(List.of(running("old", 3 * GIB, 0), running("wanted", 3 * GIB, 0),
        running("recent", 3 * GIB, 0), running("theirs", GIB, 0)), 10);
    var foreign = assertInstanceOf(ResidencyPlanner.LoadPlan.Evict.class, withForeign.planLoad("new", GIB, Set.of(), Set.of()));
    assertEquals(List.of("theirs"), foreign.evict(), "a model another tool loaded goes first");
  }

  @Test
  void busyModelsAreNeverEvictedAndTheLoadWaitsForThem() {
    ResidencyPlanner p = ready(new ResidencyPlanner(5 * GIB, 3), "a", 3 * GIB, 0);
    var wait = assertInstanceOf(ResidencyPlanner.LoadPlan.Wait.class, p.planLoad("b", 3 * GIB, Set.of("a"), Set.of()));
    assertTrue(wait.reason().contains("waiting for a to finish"), wait.reason());
    var cap = ready(new ResidencyPlanner(100 * GIB, 1), "a", GIB, 0);
    assertEquals(List.of("a"), ((ResidencyPlanner.LoadPlan.Evict) cap.planLoad("b", GIB, Set.of(), Set.of())).evict(),
        "max-resident-models counts too");
    var counted = assertInstanceOf(ResidencyPlanner.LoadPlan.Wait.class, cap.planLoad("b", GIB, Set.of("a"), Set.of()));
    assertTrue(counted.reason().equals("waiting for a to finish (Ollama keeps at most 1 model at once) for b"),
        "room in the budget is not what it waits for: " + counted.reason());
    var small = ready(new ResidencyPlanner(600L << 20, 3), "a", 400L << 20, 0);
    var freed = assertInstanceOf(ResidencyPlanner.LoadPlan.Wait.class, small.planLoad("b", 300L << 20, Set.of("a"), Set.of()));
    assertTrue(freed.reason().endsWith("to free 100 MiB for b"), "a small size in MiB, not 0.1 GiB: " + freed.reason());
  }

  @Test
  void nothingIsPlannedWhileAnotherModelIsInFlight() {
    ResidencyPlanner p = new ResidencyPlanner(48 * GIB, 3).loading("a", GIB, Optional.empty(), 0);
    assertTrue(p.anyInFlight());
    assertEquals(Optional.of("a"), p.loading());
    assertInstanceOf(ResidencyPlanner.LoadPlan.Wait.class, p.planLoad("b", GIB, Set.of(), Set.of()));
    ResidencyPlanner unloading = ready(new ResidencyPlanner(48 * GIB, 3), "a", GIB, 0).unloading("a");
    assertTrue(unloading.isUnloading("a"));
    assertInstanceOf(ResidencyPlanner.LoadPlan.Wait.class, unloading.planLoad("b", GIB, Set.of(), Set.of()));
  }

  @Test
  void aModelOverTheBudgetEvictsEverythingAndCarriesAWarningUntilItIsGone() {
    ResidencyPlanner p = ready(new ResidencyPlanner(4 * GIB, 3), "small", GIB, 0);
    var plan = assertInstanceOf(ResidencyPlanner.LoadPlan.Evict.class, p.planLoad("huge", 10 * GIB, Set.of(), Set.of()));
    assertEquals(List.of("small"), plan.evict());
    assertTrue(plan.warning().orElseThrow().contains("served alone"));
    ResidencyPlanner loading = p.gone("small").loading("huge", 10 * GIB, plan.warning(), 5);
    assertEquals(List.of(plan.warning().get()), List.copyOf(loading.warnings().values()));
    assertTrue(loading.gone("huge").warnings().isEmpty());
  }

  @Test
  void theRunningSetIsTheTruthButModelsInFlightKeepTheirState() {
    ResidencyPlanner p = ready(new ResidencyPlanner(48 * GIB, 3), "gone", GIB, 0).loading("coming", GIB, Optional.empty(), 1);
    ResidencyPlanner after = p.reconcile(List.of(running("theirs", 2 * GIB, 0)), 2);
    assertEquals(Set.of("coming", "theirs"), after.resident().keySet(), "gone left the server; coming is still loading");
    assertTrue(after.isLoading("coming"));
    assertTrue(after.resident().get("theirs").foreign());
    assertEquals(3 * GIB, after.usedBytes());
    assertTrue(after.forgetResident().resident().isEmpty());
  }

  @Test
  void everyChangeGivesANewPlannerAndLeavesTheOldOneAsItWas() {
    ResidencyPlanner before = new ResidencyPlanner(48 * GIB, 3);
    ResidencyPlanner after = ready(before, "a", GIB, 7);
    assertTrue(before.resident().isEmpty());
    assertTrue(after.isReady("a"));
    assertEquals(7, after.loadedAt("a").getAsLong());
    assertTrue(before.loadedAt("a").isEmpty());
  }
}

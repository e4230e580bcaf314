package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.InvalidSettingException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Options as a typed set: known ones checked, unknown ones relayed, the reload-sensitive ones pinned. */
class ModelOptionsTest {

  @Test
  void knownOptionsAreCheckedForTheirKindAndUnknownOnesRelayedUntouched() {
    ModelOptions o = ModelOptions.of(Map.of("num_ctx", 8192.0, "temperature", 0.2, "stop", List.of("\n"),
        "future_option", Map.of("nested", true)));
    assertEquals(Optional.of(8192L), o.integer(ModelOption.NUM_CTX), "a whole number stays whole");
    assertEquals(Optional.of(0.2), o.get(ModelOption.TEMPERATURE));
    assertEquals(Map.of("nested", true), o.values().get("future_option"));
    ModelOptions.InvalidOption e = assertThrows(ModelOptions.InvalidOption.class,
        () -> ModelOptions.of(Map.of("num_ctx", "big")));
    assertEquals("num_ctx", e.option());
    assertThrows(ModelOptions.InvalidOption.class, () -> ModelOptions.of(Map.of("stop", List.of(1, 2))));
    assertThrows(UnsupportedOperationException.class, () -> o.values().put("seed", 1L));
  }

  @Test
  void theOptionsThatMakeOllamaReloadAreTheRunnerOnes() {
    assertEquals(List.of("numa", "num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap", "use_mlock", "num_thread"),
        java.util.Arrays.stream(ModelOption.values()).filter(ModelOption::reloads).map(ModelOption::optionName).toList());
  }

  @Test
  void pinningDropsTheClientsReloadOptionsAndLaysThePinnedOnesOver() {
    ModelOptions client = ModelOptions.of(Map.of("num_ctx", 1024, "num_batch", 64, "temperature", 0.7));
    ModelOptions sent = client.pinnedTo(ModelOptions.of(Map.of("num_ctx", 2048)));
    assertEquals(Map.of("num_ctx", 2048L, "temperature", 0.7), sent.values());
  }

  @Test
  void pinnedOptionsComeFromTheSettingsAndAWrongKindNamesItsKey() {
    PinnedOptions pinned = PinnedOptions.from(StandInSettings.inference(Map.of(
        "turbo-agents.inference.models.\"m:7b\".num_ctx", "8192", "turbo-agents.inference.models.\"m:7b\".use_mmap", "false")));
    assertEquals(8192, pinned.numCtx("m:7b"), "HOCON's \"8192\" is a number where a number is wanted");
    assertEquals(Optional.of(false), pinned.forModel("m:7b").get(ModelOption.USE_MMAP));
    assertEquals(PinnedOptions.SERVER_DEFAULT_NUM_CTX, pinned.numCtx("other"), "default-options: num_ctx 4096");
    InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> PinnedOptions.from(
        StandInSettings.inference(Map.of("turbo-agents.inference.default-options.num_gpu", true))));
    assertEquals("turbo-agents.inference.default-options.num_gpu", e.key());
    assertTrue(e.getMessage().contains("must be a number"), e.getMessage());
  }
}

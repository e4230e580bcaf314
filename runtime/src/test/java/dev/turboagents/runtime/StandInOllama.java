package dev.turboagents.runtime;

import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import java.time.Duration;
import java.util.List;

/** One Ollama stand-in on loopback for every daemon these tests start, so their inference door has an Ollama. */
final class StandInOllama {
  static final String MODEL = "llama3.2:1b";
  private static OllamaStandIn standIn;

  private StandInOllama() {}

  static synchronized String url() {
    if (standIn == null) {
      standIn = new OllamaStandIn(List.of(StandInModel.small(MODEL, StandInModel.GIB, Duration.ofMillis(200))),
          16 * StandInModel.GIB, 2, 0.1).start();
      Runtime.getRuntime().addShutdownHook(new Thread(standIn::stop));
    }
    return standIn.url();
  }
}

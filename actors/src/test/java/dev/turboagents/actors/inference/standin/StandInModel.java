package dev.turboagents.actors.inference.standin;

import java.time.Duration;
import java.util.List;

/**
 * A model the stand-in serves. Memory = weights + KV cache (layers x kvHeads x headDim x 2 (K,V)
 * x 2 bytes per context token); load time grows with the weights.
 *
 * @param loadTime simulated time to load the weights (scaled by the stand-in's time scale)
 * @param tokensPerSecond simulated generation speed
 * @param embeddingDims 0 = the model cannot embed (Ollama answers 501)
 */
public record StandInModel(String name, long weightBytes, int layers, int kvHeads, int headDim, Duration loadTime,
    double tokensPerSecond, int embeddingDims, List<String> capabilities) {

  public static final long GIB = 1L << 30;

  public long kvBytesPerToken() {
    return (long) layers * kvHeads * headDim * 2 * 2;
  }

  public long bytesAt(int numCtx) {
    return weightBytes + kvBytesPerToken() * numCtx;
  }

  /** A small chat model that loads in {@code loadTime} and can call tools and embed. */
  public static StandInModel small(String name, long weightBytes, Duration loadTime) {
    return new StandInModel(name, weightBytes, 30, 3, 64, loadTime, 200, 384, List.of("completion", "tools", "embedding"));
  }
}

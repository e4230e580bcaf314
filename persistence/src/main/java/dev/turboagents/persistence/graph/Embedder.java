package dev.turboagents.persistence.graph;

import dev.turboagents.config.InvalidSettingException;
import java.util.List;

/**
 * Turns text into vectors for the graph's vector index. The in-process {@link MiniLmEmbedder} is the
 * default; an Ollama {@code /api/embed} embedder plugs in here by asking the inference actor (the one
 * door to the models) and blocking on the reply with a timeout: every caller runs on a blocking
 * dispatcher already, because the Neo4j driver calls around it block too.
 */
public interface Embedder {

  /** The model name stored in the graph; a different name at start clears the old vectors for {@link GraphReembedding}. */
  String modelName();

  /** Length of every vector this embedder returns; the vector index is created with it. */
  int dimensions();

  /** One vector per text, in order. */
  List<float[]> embedAll(List<String> texts);

  default float[] embed(String text) {
    return embedAll(List.of(text)).getFirst();
  }

  /** A search query: someone is waiting for it, so an embedder that queues may put it first. */
  default float[] embedQuery(String text) {
    return embed(text);
  }

  /**
   * The embedder named by {@code turbo-agents.graph.embedding-model}. The tokenizer's native library
   * is unpacked under {@code cacheDir} (DJL and JNA default to the home directory) unless
   * DJL_CACHE_DIR / jna.tmpdir are set already.
   */
  static Embedder named(String model, java.nio.file.Path cacheDir) {
    if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
      System.setProperty("DJL_CACHE_DIR", cacheDir.resolve("djl").toString());
    }
    if (System.getProperty("jna.tmpdir") == null) {
      System.setProperty("jna.tmpdir", cacheDir.resolve("jna").toString());
    }
    if (MiniLmEmbedder.NAME.equals(model)) {
      return new MiniLmEmbedder();
    }
    throw new InvalidSettingException("turbo-agents.graph.embedding-model",
        "unknown model '" + model + "'; supported in-process: " + MiniLmEmbedder.NAME
            + ", or ollama:<model> through the inference actor");
  }
}

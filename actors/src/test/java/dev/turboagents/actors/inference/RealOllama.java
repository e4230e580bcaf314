package dev.turboagents.actors.inference;

/** Where the real-tier tests find a real Ollama: env OLLAMA_BASE_URL, set by .ci/run under -Preal-ollama. */
public final class RealOllama {
  private RealOllama() {}

  public static String url() {
    String url = System.getenv("OLLAMA_BASE_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException("real-ollama tests need OLLAMA_BASE_URL=http://127.0.0.1:PORT of a running Ollama"
          + " with smollm2:135m and gemma3:270m (see /work/shared/real-ollama)");
    }
    return url.trim();
  }
}

package dev.turboagents.persistence.graph;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.List;

/**
 * all-MiniLM-L6-v2 (quantised ONNX, 384 dimensions) running in this JVM: the model ships inside a
 * Maven artifact, so nothing is downloaded and nothing leaves the machine.
 */
public final class MiniLmEmbedder implements Embedder {
  public static final String NAME = "all-minilm-l6-v2";

  private final AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

  @Override
  public String modelName() {
    return NAME;
  }

  @Override
  public int dimensions() {
    return 384;
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    List<TextSegment> segments = texts.stream().map(MiniLmEmbedder::segment).toList();
    return model.embedAll(segments).content().stream().map(Embedding::vector).toList();
  }

  /**
   * Control characters carry no meaning, and langchain4j refuses a text that is blank once trimmed
   * (" ", "\u0002 "): such a text is embedded as a fixed placeholder, so it never fails a batch.
   */
  private static TextSegment segment(String text) {
    String visible = CONTROL.matcher(text).replaceAll(" ");
    return TextSegment.from(visible.isBlank() ? NO_TEXT : visible);
  }

  private static final String NO_TEXT = "(no text)";

  private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("[\\p{Cc}&&[^\\n\\t]]");
}

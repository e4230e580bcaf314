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
    // an empty segment makes the tokenizer fail; a single space embeds as "nothing"
    List<TextSegment> segments = texts.stream().map(t -> TextSegment.from(t.isBlank() ? " " : t)).toList();
    return model.embedAll(segments).content().stream().map(Embedding::vector).toList();
  }
}

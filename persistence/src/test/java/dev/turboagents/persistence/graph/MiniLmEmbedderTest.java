package dev.turboagents.persistence.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-process embedder takes any text a client or an issue can hold, control characters included. */
class MiniLmEmbedderTest {

  @Test
  void textsOfOnlyControlCharactersAndSpacesEmbedAsNothingInsteadOfFailing() {
    MiniLmEmbedder embedder = new MiniLmEmbedder();
    List<float[]> vectors = embedder.embedAll(List.of("\u0002 ", "\u0002", "", " ", "slow search \u0007performance"));
    assertEquals(5, vectors.size());
    vectors.forEach(v -> assertEquals(384, v.length));
    assertEquals(384, embedder.embedQuery("\u0002 ").length);
    float[] bell = vectors.get(4);
    float[] clean = embedder.embed("slow search  performance");
    double dot = 0;
    for (int i = 0; i < bell.length; i++) {
      dot += bell[i] * clean[i];
    }
    assertTrue(dot > 0.99, "a control character inside a text changes nothing: cosine " + dot);
  }
}

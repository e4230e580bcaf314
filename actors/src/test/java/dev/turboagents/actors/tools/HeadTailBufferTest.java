package dev.turboagents.actors.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Head and tail kept exactly, whatever the sizes of the writes, and the cut said in a marker. */
class HeadTailBufferTest {

  private static TrimmedText written(int head, int tail, String... chunks) {
    HeadTailBuffer buffer = new HeadTailBuffer(head, tail);
    for (String chunk : chunks) {
      byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
      buffer.write(bytes, 0, bytes.length);
    }
    return buffer.text();
  }

  @Test
  void whatFitsIsKeptWhole() {
    TrimmedText t = written(4, 4, "abc", "defgh");
    assertEquals("abcdefgh", t.text());
    assertEquals(8, t.totalBytes());
    assertFalse(t.trimmed());
  }

  @Test
  void theMiddleIsCutAndTheMarkerSaysHowMuch() {
    TrimmedText t = written(4, 3, "ab", "cdef", "ghijklm", "nop");
    assertEquals("abcd\n[... 9 bytes cut ...]\nnop", t.text());
    assertEquals(16, t.totalBytes());
    assertEquals(9, t.cutBytes());
  }

  @Test
  void aLongSingleWriteKeepsItsLastBytes() {
    TrimmedText t = written(2, 5, "0123456789abcdefghij");
    assertEquals("01\n[... 13 bytes cut ...]\nfghij", t.text());
  }

  @Test
  void withoutATailOnlyTheHeadIsKept() {
    TrimmedText t = written(3, 0, "abcdef");
    assertEquals("abc\n[... 3 bytes cut ...]\n", t.text());
    assertTrue(t.trimmed());
  }
}

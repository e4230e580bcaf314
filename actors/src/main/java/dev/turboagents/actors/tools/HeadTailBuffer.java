package dev.turboagents.actors.tools;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the first {@code headLimit} and the last {@code tailLimit} bytes written to it, however
 * much is written, and counts the rest: bounded memory for output a model will read, where the
 * start (what ran) and the end (the failure summary) matter most. Thread-safe.
 */
public final class HeadTailBuffer extends OutputStream {
  private final byte[] head;
  private final byte[] tail;
  private int headSize;
  private long total;

  public HeadTailBuffer(int headLimit, int tailLimit) {
    if (headLimit < 0 || tailLimit < 0) {
      throw new IllegalArgumentException("limits must not be negative: " + headLimit + ", " + tailLimit);
    }
    this.head = new byte[headLimit];
    this.tail = new byte[tailLimit];
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    int toHead = Math.min(length, head.length - headSize);
    System.arraycopy(bytes, offset, head, headSize, toHead);
    headSize += toHead;
    for (int i = offset + toHead; i < offset + length && tail.length > 0; i++) {
      // the tail is a ring: byte n after the head lands at n % tail.length
      tail[(int) ((total - head.length + i - offset) % tail.length)] = bytes[i];
    }
    total += length;
  }

  /** What was written, cut in the middle with a marker line when it did not fit. */
  public synchronized TrimmedText text() {
    long afterHead = Math.max(0, total - head.length);
    int tailSize = (int) Math.min(afterHead, tail.length);
    byte[] tailBytes = new byte[tailSize];
    long tailStart = afterHead - tailSize;
    for (int i = 0; i < tailSize; i++) {
      tailBytes[i] = tail[(int) ((tailStart + i) % tail.length)];
    }
    long cut = afterHead - tailSize;
    String text = new String(head, 0, headSize, StandardCharsets.UTF_8)
        + (cut > 0 ? "\n[... " + cut + " bytes cut ...]\n" : "")
        + new String(tailBytes, StandardCharsets.UTF_8);
    return new TrimmedText(text, total, cut);
  }
}

package dev.turboagents.actors.agents;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answer text inside a model's streamed final_answer JSON, as it comes: fed the raw tokens of a
 * chat job's turns (tool calls included), it gives back only the characters of the
 * {@code "answer"} string, unescaped, so a terminal shows the answer and not the JSON around it.
 * Not thread-safe: one per follower.
 */
public final class AnswerStream {
  private static final Pattern START = Pattern.compile("\"answer\"\\s*:\\s*\"");

  private final StringBuilder pending = new StringBuilder();
  private boolean inside;

  /** The answer characters {@code token} completes (often empty). */
  public String feed(String token) {
    pending.append(token);
    StringBuilder out = new StringBuilder();
    while (true) {
      if (!inside) {
        Matcher m = START.matcher(pending);
        if (!m.find()) {
          // keep a tail that may be the start of the key
          int keep = Math.min(pending.length(), 16);
          pending.delete(0, pending.length() - keep);
          return out.toString();
        }
        pending.delete(0, m.end());
        inside = true;
      }
      int i = 0;
      while (i < pending.length()) {
        char c = pending.charAt(i);
        if (c == '"') {
          inside = false;
          pending.delete(0, i + 1);
          break;
        }
        if (c == '\\') {
          if (i + 1 >= pending.length()) {
            break;
          }
          char e = pending.charAt(i + 1);
          if (e == 'u') {
            if (i + 6 > pending.length()) {
              break;
            }
            try {
              out.append((char) Integer.parseInt(pending.substring(i + 2, i + 6), 16));
            } catch (NumberFormatException notHex) {
              out.append(pending, i, i + 6);
            }
            i += 6;
            continue;
          }
          out.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'b' -> '\b';
            case 'f' -> '\f';
            default -> e;
          });
          i += 2;
          continue;
        }
        out.append(c);
        i++;
      }
      if (inside) {
        pending.delete(0, i);
        return out.toString();
      }
    }
  }
}

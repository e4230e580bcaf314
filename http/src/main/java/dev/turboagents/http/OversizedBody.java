package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.extractMaterializer;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;

import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Refuses a body that declares more bytes than the limit only after reading (and dropping) it. A
 * server that answers 413 and closes while the client is still sending makes the client's socket
 * get a reset, and the client (the JDK's HttpClient, curl) then loses the answer: it sees
 * "connection reset" instead of the 413 that says what was wrong. The bytes are discarded as they
 * come, never buffered; Pekko's own {@code max-content-length} still bounds what is read.
 */
public final class OversizedBody {
  private OversizedBody() {}

  /**
   * @param refusal the door's own 413, given the declared length
   * @param within the route for a body within the limit (or one without a declared length, which
   *     {@code withSizeLimit} still cuts off)
   */
  public static Route refusedAfterReading(long maxBytes, LongFunction<Route> refusal, Supplier<Route> within) {
    return extractRequestEntity(entity -> {
      var length = entity.getContentLengthOption();
      if (length.isEmpty() || length.getAsLong() <= maxBytes) {
        return within.get();
      }
      return extractMaterializer(materializer -> onComplete(entity.discardBytes(materializer).completionStage(),
          drained -> refusal.apply(length.getAsLong())));
    });
  }
}

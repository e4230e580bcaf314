package dev.turboagents.actors.inference.standin;

import com.sun.net.httpserver.HttpExchange;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the client of an exchange has hung up, as Ollama knows it (Go's HTTP server cancels a
 * request's context when its connection closes, and the scheduler skips a waiting request whose
 * context is done). The JDK's HTTP server does not say, so a virtual thread reads the exchange's
 * socket after the request was read: an end of stream means the client went away. The answer is
 * sent with {@code Connection: close}, so nothing the thread reads belongs to a later request.
 *
 * <p>The socket is reached through the server's internals (test JVMs open
 * {@code jdk.httpserver/sun.net.httpserver}); where they are closed, no client is ever seen leaving,
 * as the stand-in behaved before.
 */
final class ClientWatch {
  private static final Optional<Field[]> PATH = path();
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final AtomicBoolean gone = new AtomicBoolean();

  private ClientWatch() {}

  /** Watches {@code ex}'s connection from now on; {@code left} runs once when the client hangs up. */
  static ClientWatch of(HttpExchange ex, Runnable left) {
    ClientWatch watch = new ClientWatch();
    Optional<SocketChannel> channel = channel(ex);
    if (channel.isEmpty()) {
      return watch;
    }
    ex.getResponseHeaders().set("Connection", "close");
    Thread.ofVirtual().name("stand-in client watch").start(() -> {
      ByteBuffer one = ByteBuffer.allocate(1);
      try {
        while (channel.get().read(one) >= 0) {
          one.clear(); // a pipelined byte: the answer closes the connection, so it is dropped
        }
      } catch (Exception e) {
        // the exchange ended and closed its connection (or the client reset it)
      }
      watch.gone.set(true);
      left.run();
    });
    return watch;
  }

  /** A watch that never sees the client leave (a request whose connection is not watched). */
  static ClientWatch none() {
    return new ClientWatch();
  }

  /** The client hung up (or the exchange is over). */
  boolean gone() {
    return gone.get();
  }

  private static Optional<SocketChannel> channel(HttpExchange ex) {
    if (PATH.isEmpty()) {
      return Optional.empty();
    }
    try {
      Object impl = PATH.get()[0].get(ex);
      Object connection = PATH.get()[1].get(impl);
      return Optional.of((SocketChannel) PATH.get()[2].get(connection));
    } catch (ReflectiveOperationException | ClassCastException e) {
      return Optional.empty();
    }
  }

  private static Optional<Field[]> path() {
    try {
      Field impl = Class.forName("sun.net.httpserver.HttpExchangeImpl").getDeclaredField("impl");
      Field connection = Class.forName("sun.net.httpserver.ExchangeImpl").getDeclaredField("connection");
      Field chan = Class.forName("sun.net.httpserver.HttpConnection").getDeclaredField("chan");
      impl.setAccessible(true);
      connection.setAccessible(true);
      chan.setAccessible(true);
      return Optional.of(new Field[] {impl, connection, chan});
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (WARNED.compareAndSet(false, true)) {
        System.err.println("stand-in: cannot watch for clients that hang up (" + e + "); add"
            + " --add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED");
      }
      return Optional.empty();
    }
  }
}

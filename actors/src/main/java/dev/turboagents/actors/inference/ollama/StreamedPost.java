package dev.turboagents.actors.inference.ollama;

import dev.turboagents.actors.inference.BackendException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * One streamed POST to Ollama over a socket of its own, its answer read with blocking reads on the
 * calling platform thread. This is the token path: each chunk Ollama writes wakes exactly one
 * thread of ours. The JDK HttpClient woke three for it (its selector thread, a task that hands the
 * bytes over, the reader), and on a machine whose cores all decode the model every wake-up is
 * taken from the model. {@code HttpURLConnection} reads on the caller too, but cannot be aborted
 * from another thread while a read is blocked (its disconnect waits for that read), and the
 * watchdog must abort a stream that stopped producing. Closing this socket ends a blocked read at
 * once. HTTP/1.1, {@code Connection: close}: one connection per streamed call, which costs a
 * loopback connect against a call that decodes for hundreds of milliseconds.
 */
final class StreamedPost implements AutoCloseable {
  private static final int MAX_HEADER_LINE = 16 * 1024;

  private final String describe;
  private volatile Socket socket = new Socket();
  private volatile InputStream body;

  /** A post not sent yet: {@link #abort} works from now on, also while {@link #send} waits. */
  StreamedPost(String describe) {
    this.describe = describe;
  }

  /**
   * Sends {@code json} to {@code uri} and reads the answer's head: a connection not made within
   * {@code connectTimeout} is "unreachable", an answer not begun within {@code readTimeout} (nor
   * any later silence that long) is a timeout, an answer other than 2xx is Ollama's error.
   */
  void send(URI uri, String json, Duration connectTimeout, Duration readTimeout) {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(uri.getHost(), port), millis(connectTimeout));
      socket.setSoTimeout(millis(readTimeout));
      if (tls) {
        socket = ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(socket, uri.getHost(), port, true);
      }
    } catch (IOException e) {
      abort();
      throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe + " is not reachable: " + e);
    }
    try {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port
          + "\r\nContent-Type: application/json\r\nAccept: application/x-ndjson\r\nContent-Length: " + bytes.length
          + "\r\nConnection: close\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      int status = status(line(in));
      Map<String, String> headers = new HashMap<>();
      for (String line = line(in); !line.isEmpty(); line = line(in)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
      }
      body = "chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))
          ? new ChunkedBody(in)
          : headers.containsKey("content-length") ? new BoundedBody(in, Long.parseLong(headers.get("content-length")))
          : in;
      if (status / 100 != 2) {
        String error = errorText(status);
        abort();
        BackendException.Kind kind = status == 404 && error.contains("not found")
            ? BackendException.Kind.UNKNOWN_MODEL : BackendException.Kind.REJECTED;
        throw new BackendException(kind, status, error);
      }
    } catch (SocketTimeoutException e) {
      abort();
      throw new BackendException(BackendException.Kind.TIMEOUT, 0, describe + " did not answer within " + readTimeout);
    } catch (IOException | NumberFormatException e) {
      abort();
      throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe + " failed: " + e);
    }
  }

  /** The answer's body, read as Ollama writes it (chunked transfer decoded). */
  InputStream body() {
    return body;
  }

  /** Drops the connection: a read blocked on it (on another thread) ends with an exception at once. */
  void abort() {
    closeQuietly(socket);
  }

  @Override
  public void close() {
    abort();
  }

  private String errorText(int status) {
    try {
      return OllamaWire.errorText(new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return "HTTP " + status;
    }
  }

  private static int status(String line) throws IOException {
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: '" + line + "'");
    }
    return Integer.parseInt(parts[1]);
  }

  /** One CRLF-ended line of the head (or of a chunk's size), without its end. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("the connection closed inside the answer's head");
      }
      if (b != '\r') {
        line.write(b);
      }
      if (line.size() > MAX_HEADER_LINE) {
        throw new IOException("a line of the answer's head is longer than " + MAX_HEADER_LINE + " bytes");
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed is all we want
    }
  }

  /** A body sent with {@code Transfer-Encoding: chunked}: each read returns what the current chunk has. */
  private static final class ChunkedBody extends InputStream {
    private final InputStream in;
    private long left;
    private boolean ended;

    ChunkedBody(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (left == 0 && !nextChunk()) {
        return -1;
      }
      int n = in.read(into, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the connection closed inside a chunk");
      }
      left -= n;
      if (left == 0) {
        line(in); // the CRLF after the chunk's data
      }
      return n;
    }

    private boolean nextChunk() throws IOException {
      if (ended) {
        return false;
      }
      String size = line(in);
      int extension = size.indexOf(';');
      try {
        left = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("not a chunk size: '" + size + "'");
      }
      if (left == 0) {
        for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
          // trailers carry nothing Ollama sends
        }
        ended = true;
        return false;
      }
      return true;
    }
  }

  /** A body sent with a {@code Content-Length}. */
  private static final class BoundedBody extends InputStream {
    private final InputStream in;
    private long left;

    BoundedBody(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      left--;
      return b;
    }

    @Override
    public int read(byte[] into, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(into, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}

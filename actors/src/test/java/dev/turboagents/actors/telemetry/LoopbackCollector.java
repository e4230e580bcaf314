package dev.turboagents.actors.telemetry;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An OTLP/HTTP trace collector on loopback for tests: accepts {@code POST /v1/traces} (protobuf, as
 * the OTLP exporter sends) and keeps every span it was sent, decoded.
 */
public final class LoopbackCollector implements AutoCloseable {

  /** A span as the collector got it; ids in hex, the parent's empty for a root. */
  public record ReceivedSpan(String name, String traceId, String spanId, String parentSpanId,
      Map<String, Object> attributes, List<String> events, String status, String serviceName) {
    public Object attribute(String key) {
      return attributes.get(key);
    }
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();

  private LoopbackCollector(HttpServer server) {
    this.server = server;
  }

  public static LoopbackCollector start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    LoopbackCollector collector = new LoopbackCollector(server);
    server.createContext("/v1/traces", exchange -> {
      try (exchange; InputStream body = exchange.getRequestBody()) {
        if (!"POST".equals(exchange.getRequestMethod())) {
          exchange.sendResponseHeaders(405, -1);
          return;
        }
        collector.contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
        collector.received(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
        byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
        exchange.getResponseBody().write(ok);
      }
    });
    server.start();
    return collector;
  }

  /** The base URL to configure as {@code turbo-agents.telemetry.otlp-endpoint}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  public List<ReceivedSpan> spans(Predicate<ReceivedSpan> which) {
    return spans.stream().filter(which).toList();
  }

  /** The Content-Type of every export received. */
  public List<String> contentTypes() {
    return List.copyOf(contentTypes);
  }

  private void received(ExportTraceServiceRequest request) {
    HexFormat hex = HexFormat.of();
    for (var resourceSpans : request.getResourceSpansList()) {
      String service = resourceSpans.getResource().getAttributesList().stream()
          .filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue()).findFirst().orElse("");
      for (var scope : resourceSpans.getScopeSpansList()) {
        for (var span : scope.getSpansList()) {
          Map<String, Object> attributes = new LinkedHashMap<>();
          for (KeyValue kv : span.getAttributesList()) {
            attributes.put(kv.getKey(), value(kv.getValue()));
          }
          spans.add(new ReceivedSpan(span.getName(), hex.formatHex(span.getTraceId().toByteArray()),
              hex.formatHex(span.getSpanId().toByteArray()), hex.formatHex(span.getParentSpanId().toByteArray()),
              attributes, span.getEventsList().stream().map(e -> e.getName()).toList(),
              span.getStatus().getCode().name(), service));
        }
      }
    }
  }

  private static Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case BOOL_VALUE -> v.getBoolValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(LoopbackCollector::value).toList();
      default -> v.toString();
    };
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

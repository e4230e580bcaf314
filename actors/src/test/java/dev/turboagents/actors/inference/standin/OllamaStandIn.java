package dev.turboagents.actors.inference.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An Ollama-protocol server on loopback that behaves like Ollama where it matters for scheduling:
 * one first-come-first-served admission queue; a request for a model that is not loaded waits at
 * the head of that queue (blocking everyone behind it, even requests for loaded models) until
 * memory is freed by evicting runners in keep_alive order; loads take time by size; a changed
 * {@code num_ctx} reloads; idle runners expire after keep_alive; tokens come at a fixed rate; one
 * request at a time per model (OLLAMA_NUM_PARALLEL=1). An unload is acknowledged at once and
 * takes {@link #unloadLag} to happen: meanwhile /api/ps still lists the model, its memory stays taken
 * and a request that needs that memory (or that model) waits at the head of the queue, as Ollama's
 * scheduler makes it wait for the runner to exit. Answers come from a {@link Script}.
 *
 * <p>{@code timeScale} shrinks every simulated duration (0.01 = 100x faster) so tests run fast and
 * the benchmark can replay minutes of a Mac's work in seconds. Reported durations are wall time.
 */
public final class OllamaStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, StandInModel> models = new LinkedHashMap<>();
  private final long memoryLimit;
  private final int maxLoaded;
  private final double timeScale;
  private final int defaultNumCtx;
  private final Duration defaultKeepAlive;
  private volatile Script script = Script.standard();
  private volatile Hang hang = Hang.NONE;
  /** Simulated prompt tokens read per second (0: every prompt takes 20 ms, as a short one does). */
  private volatile double promptRate = 0;
  /** Per model, how many times it was unloaded (keep_alive 0): a hung runner is killed by an unload. */
  private final Map<String, Integer> kills = new java.util.HashMap<>();
  private volatile Semaphore gpu = null;
  private volatile double runnerOverhead = 0;
  private volatile Duration unloadLag = Duration.ofMillis(40);
  private final AtomicInteger evictions = new AtomicInteger();
  private final AtomicInteger emptyLoads = new AtomicInteger();
  private final AtomicInteger skipped = new AtomicInteger();
  private final AtomicInteger whileUnloading = new AtomicInteger();
  private final AtomicInteger peakModelsAsked = new AtomicInteger();
  private final Map<String, Integer> asked = new LinkedHashMap<>();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private final Map<String, Runner> loaded = new LinkedHashMap<>();

  private final AtomicInteger loads = new AtomicInteger();
  private final Map<String, AtomicInteger> loadsByModel = new ConcurrentHashMap<>();
  private final AtomicLong peakBytes = new AtomicLong();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger generating = new AtomicInteger();
  private final List<String> prompts = java.util.Collections.synchronizedList(new ArrayList<>());

  private HttpServer server;
  private ExecutorService threads;
  private volatile int port;
  private volatile boolean running;
  private Thread reaper;

  private static final class Runner {
    final StandInModel model;
    final int numCtx;
    final long bytes;
    final Semaphore slot = new Semaphore(1, true);
    int refCount;
    boolean ready;
    /** Unloaded while busy: goes when its last request ends, whatever that request's keep_alive. */
    boolean unloadRequested;
    long expiresAtNanos = Long.MAX_VALUE;
    /** Told to go (an unload or its keep_alive ran out): still listed and holding its memory until then. */
    long leavesAtNanos = Long.MAX_VALUE;

    boolean leaving() {
      return leavesAtNanos != Long.MAX_VALUE;
    }

    Runner(StandInModel model, int numCtx, double overhead) {
      this.model = model;
      this.numCtx = numCtx;
      this.bytes = (long) (model.bytesAt(numCtx) * (1 + overhead));
    }
  }

  public OllamaStandIn(List<StandInModel> models, long memoryLimit, int maxLoaded, double timeScale) {
    models.forEach(m -> this.models.put(m.name(), m));
    this.memoryLimit = memoryLimit;
    this.maxLoaded = maxLoaded;
    this.timeScale = timeScale;
    this.defaultNumCtx = 4096;
    this.defaultKeepAlive = Duration.ofMinutes(5);
  }

  /** Starts on a free loopback port. */
  public OllamaStandIn start() {
    return start(0);
  }

  public synchronized OllamaStandIn start(int wantedPort) {
    try {
      threads = Executors.newVirtualThreadPerTaskExecutor();
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wantedPort), 64);
      server.setExecutor(threads);
      server.createContext("/", this::handle);
      server.start();
      port = server.getAddress().getPort();
      running = true;
      reaper = Thread.ofVirtual().start(this::reap);
      return this;
    } catch (IOException e) {
      throw new IllegalStateException("stand-in could not bind 127.0.0.1:" + wantedPort, e);
    }
  }

  /** Stops like a killed Ollama: open streams break, every loaded model is gone. */
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    server.stop(0);
    threads.shutdownNow();
    reaper.interrupt();
    lock.lock();
    try {
      loaded.clear();
      pending.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Starts again on the same port, empty, as Ollama after a restart. */
  public OllamaStandIn restart() {
    stop();
    return start(port);
  }

  @Override
  public void close() {
    stop();
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /**
   * How the stand-in misbehaves from now on, as a backend that accepts connections but stops
   * producing: a hung request or load stays open until its model is unloaded (keep_alive 0: its
   * runner is killed and the connection dropped), the stand-in stops, or {@link Hang#NONE} is set.
   */
  public enum Hang {
    /** Answers normally. */
    NONE,
    /** Accepts a chat or generate and never sends a byte of the answer. */
    SILENT,
    /** Streams two tokens of an answer, then nothing more. */
    MID_STREAM,
    /** A load never finishes: a request without prompt, or a chat or generate whose model must be loaded for it. */
    LOAD
  }

  /**
   * Reads prompts at {@code tokensPerSecond} (simulated), as a real server does: a long prompt keeps
   * the first token back in proportion to its length, and prompt_eval_duration reports it.
   */
  public void promptRate(double tokensPerSecond) {
    this.promptRate = tokensPerSecond;
  }

  public void hang(Hang hang) {
    lock.lock();
    try {
      this.hang = hang;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Blocks a hung request of {@code model} until its runner is killed, the stand-in stops or the hang is lifted. */
  private void hangUntilKilled(String model, Hang mode) throws IOException, InterruptedException {
    lock.lock();
    try {
      int killedBefore = kills.getOrDefault(model, 0);
      while (running && hang == mode && kills.getOrDefault(model, 0) == killedBefore) {
        changed.await();
      }
    } finally {
      lock.unlock();
    }
    throw new IOException("the runner of " + model + " was killed while it hung");
  }

  public void script(Script script) {
    this.script = script;
  }

  /**
   * Makes generation share {@code slots} GPU slots across all models, as one Mac GPU does (runners
   * of different models otherwise compute in parallel here). Call before start.
   */
  public OllamaStandIn gpuSlots(int slots) {
    this.gpu = new Semaphore(slots, true);
    return this;
  }

  /**
   * Makes a loaded runner take {@code fraction} more than weights + KV cache (Ollama's compute graph
   * and output buffers: its /api/ps reports smollm2:135m at 191 MB for 98 MB of weights, gemma3:270m
   * at 478 MB for 253 MB), in /api/ps and against the memory limit.
   */
  public OllamaStandIn runnerOverhead(double fraction) {
    this.runnerOverhead = fraction;
    return this;
  }

  /**
   * How long an unloaded runner (keep_alive 0, or its keep_alive ran out) stays listed and holds its
   * memory, in wall time: Ollama 0.24.0 on this machine deletes it from /api/ps 30-52 ms after a
   * keep_alive 0 is acknowledged, up to 0.5 s on a busy machine. Zero: gone at once.
   */
  public OllamaStandIn unloadLag(Duration lag) {
    this.unloadLag = lag;
    return this;
  }

  public int loads() {
    return loads.get();
  }

  /** Requests that came while an unloaded runner had not ended yet (and so waited for it if they needed its room). */
  public int requestsWhileUnloading() {
    return whileUnloading.get();
  }

  /** Load requests without a prompt (a client's explicit load), whether or not the model was loaded already. */
  public int emptyLoads() {
    return emptyLoads.get();
  }

  /** Runners the stand-in unloaded on its own to make room for another (its max-loaded count or memory). */
  public int evictions() {
    return evictions.get();
  }

  /** Requests skipped or ended before their first token because their client hung up while they waited. */
  public int skipped() {
    return skipped.get();
  }

  /** Requests waiting at the admission queue now (the head included). */
  public int waitingAtAdmission() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  private void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The most distinct models that had requests inside the stand-in (waiting or running) at once. */
  public int peakModelsAsked() {
    return peakModelsAsked.get();
  }

  /** Starts counting {@link #peakModelsAsked()} afresh. */
  public void resetPeakModelsAsked() {
    synchronized (asked) {
      peakModelsAsked.set(asked.size());
    }
  }

  public int loadsOf(String model) {
    return loadsByModel.getOrDefault(model, new AtomicInteger()).get();
  }

  /** The most memory the loaded runners ever took together. */
  public long peakResidentBytes() {
    return peakBytes.get();
  }

  public int requests() {
    return requests.get();
  }

  /** Answers being generated right now (a client that hangs up ends its own). */
  public int generating() {
    return generating.get();
  }

  /** The prompt (or last message) of every chat and generate request, in the order they began generating. */
  public List<String> prompts() {
    synchronized (prompts) {
      return List.copyOf(prompts);
    }
  }

  public List<String> loadedModels() {
    lock.lock();
    try {
      return List.copyOf(loaded.keySet());
    } finally {
      lock.unlock();
    }
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/api/version" -> send(ex, 200, JSON.createObjectNode().put("version", "0.24.0"));
        case "/api/tags" -> send(ex, 200, tags());
        case "/api/ps" -> send(ex, 200, ps());
        case "/api/show" -> show(ex, body(ex));
        case "/api/chat" -> complete(ex, "chat", body(ex));
        case "/api/generate" -> complete(ex, "generate", body(ex));
        case "/api/embed" -> embed(ex, body(ex));
        case "/" -> sendText(ex, 200, "Ollama is running");
        default -> send(ex, 404, error("404 page not found"));
      }
    } catch (BadRequest e) {
      send(ex, e.status, error(e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away or the stand-in was stopped mid-stream
    } finally {
      ex.close();
    }
  }

  private static final class BadRequest extends RuntimeException {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private JsonNode body(HttpExchange ex) throws IOException {
    byte[] bytes = ex.getRequestBody().readAllBytes();
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new BadRequest(400, "invalid request body");
      }
      return node;
    } catch (IOException e) {
      throw new BadRequest(400, "invalid character in request body");
    }
  }

  private StandInModel model(JsonNode body) {
    String name = body.path("model").asText(body.path("name").asText(""));
    if (name.isEmpty()) {
      throw new BadRequest(400, "model is required");
    }
    StandInModel model = models.get(name);
    if (model == null) {
      throw new BadRequest(404, "model '" + name + "' not found");
    }
    return model;
  }

  private ObjectNode tags() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode array = root.putArray("models");
    for (StandInModel m : models.values()) {
      ObjectNode node = array.addObject();
      node.put("name", m.name()).put("model", m.name()).put("modified_at", "2026-11-25T10:00:00Z")
          .put("size", m.weightBytes()).put("digest", Integer.toHexString(m.name().hashCode()));
      node.set("details", details(m));
    }
    return root;
  }

  private ObjectNode details(StandInModel m) {
    ObjectNode d = JSON.createObjectNode();
    d.put("format", "gguf").put("family", "llama").put("parameter_size", m.weightBytes() / (1L << 20) + "M")
        .put("quantization_level", "Q4_K_M");
    return d;
  }

  private ObjectNode ps() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode array = root.putArray("models");
    lock.lock();
    try {
      for (Runner r : loaded.values()) {
        ObjectNode node = array.addObject();
        node.put("name", r.model.name()).put("model", r.model.name()).put("size", r.bytes)
            .put("digest", Integer.toHexString(r.model.name().hashCode()));
        node.set("details", details(r.model));
        node.put("expires_at", r.expiresAtNanos == Long.MAX_VALUE ? "2318-01-01T00:00:00Z"
            : Instant.now().plusNanos(Math.max(0, r.expiresAtNanos - System.nanoTime())).toString());
        node.put("size_vram", r.bytes).put("context_length", r.numCtx);
      }
    } finally {
      lock.unlock();
    }
    return root;
  }

  private void show(HttpExchange ex, JsonNode body) throws IOException {
    StandInModel m = model(body);
    ObjectNode root = JSON.createObjectNode();
    root.put("modelfile", "FROM " + m.name()).put("parameters", "").put("template", "{{ .Prompt }}");
    root.set("details", details(m));
    ObjectNode info = root.putObject("model_info");
    info.put("general.architecture", "llama").put("general.parameter_count", m.weightBytes() * 2)
        .put("llama.block_count", m.layers()).put("llama.attention.head_count", m.kvHeads() * 4)
        .put("llama.attention.head_count_kv", m.kvHeads()).put("llama.attention.key_length", m.headDim())
        .put("llama.attention.value_length", m.headDim()).put("llama.embedding_length", m.headDim() * m.kvHeads() * 4)
        .put("llama.context_length", 131072);
    ArrayNode caps = root.putArray("capabilities");
    m.capabilities().forEach(caps::add);
    send(ex, 200, root);
  }

  private void complete(HttpExchange ex, String kind, JsonNode body) throws IOException, InterruptedException {
    requests.incrementAndGet();
    StandInModel model = model(body);
    int numCtx = body.path("options").path("num_ctx").asInt(defaultNumCtx);
    Duration keepAlive = keepAlive(body.path("keep_alive"));
    boolean noPrompt = "generate".equals(kind) && body.path("prompt").asText("").isEmpty()
        || "chat".equals(kind) && body.path("messages").isEmpty();
    if (noPrompt && keepAlive.isZero()) {
      unload(model.name());
      send(ex, 200, doneNode(kind, model.name(), "unload", 0, 0, 0, 0));
      return;
    }
    if ("chat".equals(kind) && !body.path("tools").isEmpty() && !model.capabilities().contains("tools")) {
      throw new BadRequest(400, "registry.ollama.ai/library/" + model.name() + " does not support tools");
    }
    if (noPrompt) {
      emptyLoads.incrementAndGet();
    }
    if (hang == Hang.LOAD && (noPrompt || !runsAt(model.name(), numCtx))) {
      hangUntilKilled(model.name(), Hang.LOAD);
    }
    long start = System.nanoTime();
    // like Ollama, notice a client that hangs up while its request waits: it is skipped, not served
    ClientWatch client = noPrompt ? ClientWatch.none() : ClientWatch.of(ex, this::wake);
    asking(model.name(), 1);
    Runner runner;
    try {
      runner = admit(model, numCtx, client);
    } catch (InterruptedException | RuntimeException | IOException e) {
      asking(model.name(), -1);
      throw e;
    }
    long loadNanos = System.nanoTime() - start;
    try {
      if (noPrompt) {
        send(ex, 200, doneNode(kind, model.name(), "load", System.nanoTime() - start, loadNanos, 0, 0));
        return;
      }
      while (!runner.slot.tryAcquire(5, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        if (client.gone()) {
          skipped.incrementAndGet();
          throw new IOException("the client went away while its request waited for " + model.name());
        }
      }
      Semaphore shared = gpu;
      try {
        if (shared != null) {
          shared.acquire();
        }
        try {
          generate(ex, kind, body, model, start, loadNanos, client);
        } finally {
          if (shared != null) {
            shared.release();
          }
        }
      } finally {
        runner.slot.release();
      }
    } finally {
      asking(model.name(), -1);
      release(runner, keepAlive);
    }
  }

  private void asking(String model, int delta) {
    synchronized (asked) {
      int now = asked.merge(model, delta, Integer::sum);
      if (now <= 0) {
        asked.remove(model);
      }
      peakModelsAsked.accumulateAndGet(asked.size(), Math::max);
    }
  }

  private void generate(HttpExchange ex, String kind, JsonNode body, StandInModel model, long start, long loadNanos,
      ClientWatch client) throws IOException, InterruptedException {
    JsonNode messages = body.path("messages");
    prompts.add("chat".equals(kind) && !messages.isEmpty() ? messages.get(messages.size() - 1).path("content").asText()
        : body.path("prompt").asText());
    generating.incrementAndGet();
    try {
      if (hang == Hang.SILENT) {
        hangUntilKilled(model.name(), Hang.SILENT);
      }
      answer(ex, kind, body, model, start, loadNanos, client);
    } finally {
      generating.decrementAndGet();
    }
  }

  private void answer(HttpExchange ex, String kind, JsonNode body, StandInModel model, long start, long loadNanos,
      ClientWatch client) throws IOException, InterruptedException {
    Script.Answer answer = script.answer(new Script.Request(model.name(), kind, body));
    int limit = body.path("options").path("num_predict").asInt(-1);
    List<String> tokens = limit > 0 && answer.tokens().size() > limit ? answer.tokens().subList(0, limit) : answer.tokens();
    boolean stream = body.path("stream").asBoolean(true);
    long evalStart = System.nanoTime();
    double rate = promptRate;
    sleepSimulated(rate > 0 ? Duration.ofNanos((long) (promptTokens(kind, body) * 1e9 / rate)) : Duration.ofMillis(20));
    long promptNanos = System.nanoTime() - evalStart;
    OutputStream out = null;
    if (stream) {
      ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
      ex.sendResponseHeaders(200, 0);
      out = ex.getResponseBody();
    }
    StringBuilder text = new StringBuilder();
    long genStart = System.nanoTime();
    int sent = 0;
    for (String token : tokens) {
      if (hang == Hang.MID_STREAM && sent++ == 2) {
        hangUntilKilled(model.name(), Hang.MID_STREAM);
      }
      sleepSimulated(Duration.ofNanos((long) (1e9 / model.tokensPerSecond())));
      if (!running) {
        throw new IOException("stopped");
      }
      if (client.gone()) {
        throw new IOException("the client went away"); // Ollama stops generating for a closed request
      }
      text.append(token);
      if (stream) {
        out.write(line(chunk(kind, model.name(), token, List.of())));
        out.flush();
      }
    }
    if (stream && !answer.toolCalls().isEmpty()) {
      out.write(line(chunk(kind, model.name(), "", answer.toolCalls())));
    }
    long evalNanos = System.nanoTime() - genStart;
    ObjectNode done = doneNode(kind, model.name(), limit > 0 && answer.tokens().size() > limit ? "length" : "stop",
        System.nanoTime() - start, loadNanos, promptNanos, evalNanos);
    done.put("eval_count", tokens.size() + answer.toolCalls().size());
    done.put("prompt_eval_count", promptTokens(kind, body));
    if (!stream) {
      if ("chat".equals(kind)) {
        ((ObjectNode) done.get("message")).put("content", text.toString());
        if (!answer.toolCalls().isEmpty()) {
          ArrayNode calls = ((ObjectNode) done.get("message")).putArray("tool_calls");
          answer.toolCalls().forEach(calls::add);
        }
      } else {
        done.put("response", text.toString());
      }
      send(ex, 200, done);
      return;
    }
    out.write(line(done));
    out.flush();
  }

  private void embed(HttpExchange ex, JsonNode body) throws IOException, InterruptedException {
    requests.incrementAndGet();
    StandInModel model = model(body);
    if (model.embeddingDims() == 0) {
      throw new BadRequest(501, "this model does not support embeddings");
    }
    List<String> input = new ArrayList<>();
    if (body.path("input").isTextual()) {
      input.add(body.path("input").asText());
    } else {
      body.path("input").forEach(n -> input.add(n.asText()));
    }
    long start = System.nanoTime();
    Runner runner = admit(model, body.path("options").path("num_ctx").asInt(defaultNumCtx), ClientWatch.none());
    long loadNanos = System.nanoTime() - start;
    try {
      runner.slot.acquire();
      try {
        sleepSimulated(Duration.ofMillis(5L * input.size()));
      } finally {
        runner.slot.release();
      }
    } finally {
      release(runner, keepAlive(body.path("keep_alive")));
    }
    ObjectNode root = JSON.createObjectNode().put("model", model.name());
    ArrayNode vectors = root.putArray("embeddings");
    for (String text : input) {
      ArrayNode v = vectors.addArray();
      java.util.Random random = new java.util.Random(text.hashCode());
      for (int i = 0; i < model.embeddingDims(); i++) {
        v.add(random.nextDouble() - 0.5);
      }
    }
    root.put("total_duration", System.nanoTime() - start).put("load_duration", loadNanos)
        .put("prompt_eval_count", input.stream().mapToInt(s -> s.length() / 4 + 1).sum());
    send(ex, 200, root);
  }

  // ---- Ollama's scheduler, simplified -------------------------------------------------------------

  /**
   * Waits at the FIFO admission queue until {@code model} runs at {@code numCtx}; loads and evicts as
   * Ollama does. As Ollama's scheduler does with a request whose context is done, a request whose
   * client hung up is skipped when it comes to the head of the queue: it loads nothing and evicts
   * nothing. At the head it is committed, as in Ollama: if its client leaves then, what it evicts
   * for is still evicted, but no model is loaded (or kept) for it.
   */
  /** Whether {@code model} is loaded at {@code numCtx} now (a request for it loads nothing). */
  private boolean runsAt(String model, int numCtx) {
    lock.lock();
    try {
      Runner current = loaded.get(model);
      return current != null && current.numCtx == numCtx;
    } finally {
      lock.unlock();
    }
  }

  private Runner admit(StandInModel model, int numCtx, ClientWatch client) throws InterruptedException, IOException {
    Object ticket = new Object();
    Runner mine = null;
    boolean loading = false;
    boolean committed = false;
    lock.lock();
    try {
      if (loaded.values().stream().anyMatch(Runner::leaving)) {
        whileUnloading.incrementAndGet();
      }
      pending.addLast(ticket);
      while (true) {
        if (!running) {
          pending.remove(ticket);
          throw new InterruptedException("stopped");
        }
        if (pending.peekFirst() == ticket) {
          if (!committed && client.gone()) {
            pending.pollFirst();
            skipped.incrementAndGet();
            changed.signalAll();
            throw new IOException("the client of a waiting request for " + model.name() + " went away: skipped");
          }
          committed = true;
          Runner current = loaded.get(model.name());
          if (current != null && current.leaving()) {
            changed.await(); // on its way out: loaded again once it has gone
            continue;
          }
          if (current != null && current.numCtx == numCtx) {
            current.refCount++;
            mine = current;
            break;
          }
          if (current != null && current.refCount == 0) {
            loaded.remove(model.name()); // num_ctx changed: reload
            continue;
          }
          if (current == null) {
            Runner fresh = new Runner(model, numCtx, runnerOverhead);
            if (fits(fresh) && client.gone()) {
              pending.pollFirst();
              skipped.incrementAndGet();
              changed.signalAll();
              throw new IOException("the client of " + model.name() + "'s request went away before its load");
            }
            if (fits(fresh)) {
              fresh.refCount = 1;
              loaded.put(model.name(), fresh);
              peakBytes.accumulateAndGet(residentBytes(), Math::max);
              mine = fresh;
              loading = true;
              break;
            }
            Optional<Runner> idle = loaded.values().stream().filter(r -> r.refCount == 0 && !r.leaving())
                .min(Comparator.comparingLong((Runner r) -> r.expiresAtNanos));
            if (idle.isPresent()) {
              loaded.remove(idle.get().model.name()); // evict the one whose keep_alive ends first
              evictions.incrementAndGet();
              continue;
            }
          }
        }
        changed.await(); // head of the queue waits for a runner to go idle; everyone behind waits too
      }
      pending.pollFirst();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (loading) {
      loads.incrementAndGet();
      loadsByModel.computeIfAbsent(model.name(), k -> new AtomicInteger()).incrementAndGet();
      sleepSimulated(model.loadTime());
      lock.lock();
      try {
        mine.ready = true;
        if (client.gone() && mine.refCount == 1) {
          // Ollama's load waits on the request's context: with its client gone the runner is dropped
          loaded.remove(model.name(), mine);
          skipped.incrementAndGet();
          changed.signalAll();
          throw new IOException("the client of " + model.name() + "'s request went away during its load");
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    } else {
      lock.lock();
      try {
        while (!mine.ready && running) {
          changed.await();
        }
      } finally {
        lock.unlock();
      }
    }
    return mine;
  }

  private boolean fits(Runner fresh) {
    if (loaded.isEmpty()) {
      return true; // a model larger than memory still loads alone (Ollama would spill to CPU)
    }
    return loaded.size() < maxLoaded && residentBytes() + fresh.bytes <= memoryLimit;
  }

  private long residentBytes() {
    return loaded.values().stream().mapToLong(r -> r.bytes).sum();
  }

  private void release(Runner runner, Duration keepAlive) {
    lock.lock();
    try {
      runner.refCount--;
      runner.expiresAtNanos = keepAlive.isNegative() ? Long.MAX_VALUE : System.nanoTime() + scaled(keepAlive);
      if ((keepAlive.isZero() || runner.unloadRequested) && runner.refCount == 0) {
        leave(runner);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void unload(String model) {
    lock.lock();
    try {
      kills.merge(model, 1, Integer::sum);
      Runner r = loaded.get(model);
      if (r != null) {
        if (r.refCount == 0) {
          leave(r);
        } else {
          r.expiresAtNanos = System.nanoTime(); // goes when its last request ends
          r.unloadRequested = true;
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: {@code runner} goes after the unload lag (at once when there is none). */
  private void leave(Runner runner) {
    if (unloadLag.isZero()) {
      loaded.remove(runner.model.name(), runner);
    } else if (!runner.leaving()) {
      runner.leavesAtNanos = System.nanoTime() + unloadLag.toNanos();
    }
  }

  private void reap() {
    while (running) {
      lock.lock();
      try {
        long now = System.nanoTime();
        boolean gone = loaded.values().removeIf(r -> r.leaving() && r.leavesAtNanos <= now);
        List<Runner> expired = loaded.values().stream()
            .filter(r -> r.refCount == 0 && r.ready && !r.leaving() && r.expiresAtNanos <= now).toList();
        expired.forEach(this::leave);
        if (gone || !expired.isEmpty()) {
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private Duration keepAlive(JsonNode value) {
    if (value.isMissingNode() || value.isNull()) {
      return defaultKeepAlive;
    }
    if (value.isNumber()) {
      long seconds = value.asLong();
      return seconds < 0 ? Duration.ofSeconds(-1) : Duration.ofSeconds(seconds);
    }
    String text = value.asText().trim();
    if (text.startsWith("-")) {
      return Duration.ofSeconds(-1);
    }
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    try {
      return Duration.parse("PT" + text.toUpperCase(java.util.Locale.ROOT));
    } catch (RuntimeException e) {
      throw new BadRequest(400, "time: invalid duration \"" + text + "\"");
    }
  }

  private long scaled(Duration simulated) {
    return (long) (simulated.toNanos() * timeScale);
  }

  private void sleepSimulated(Duration simulated) throws InterruptedException {
    long nanos = scaled(simulated);
    if (nanos > 0) {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }
  }

  // ---- JSON ------------------------------------------------------------------------------------

  private static ObjectNode chunk(String kind, String model, String token, List<JsonNode> toolCalls) {
    ObjectNode node = JSON.createObjectNode().put("model", model).put("created_at", Instant.now().toString());
    if ("chat".equals(kind)) {
      ObjectNode message = node.putObject("message").put("role", "assistant").put("content", token);
      if (!toolCalls.isEmpty()) {
        ArrayNode calls = message.putArray("tool_calls");
        toolCalls.forEach(calls::add);
      }
    } else {
      node.put("response", token);
    }
    node.put("done", false);
    return node;
  }

  private static ObjectNode doneNode(String kind, String model, String reason, long total, long load, long prompt,
      long eval) {
    ObjectNode node = JSON.createObjectNode().put("model", model).put("created_at", Instant.now().toString());
    if ("chat".equals(kind)) {
      node.putObject("message").put("role", "assistant").put("content", "");
    } else {
      node.put("response", "");
    }
    node.put("done", true).put("done_reason", reason).put("total_duration", total).put("load_duration", load)
        .put("prompt_eval_count", 8).put("prompt_eval_duration", prompt).put("eval_count", 0).put("eval_duration", eval);
    return node;
  }

  /** A prompt's tokens as a tokenizer of about 4 characters a token counts them, plus 8 for the template. */
  private static int promptTokens(String kind, JsonNode body) {
    int chars = 0;
    if ("chat".equals(kind)) {
      for (JsonNode m : body.path("messages")) {
        chars += m.path("content").asText("").length();
      }
    } else {
      chars = body.path("prompt").asText("").length() + body.path("system").asText("").length();
    }
    return chars / 4 + 8;
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static byte[] line(JsonNode node) {
    return (node.toString() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  private static void sendText(HttpExchange ex, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }
}

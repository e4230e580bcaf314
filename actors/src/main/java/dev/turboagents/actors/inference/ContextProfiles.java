package dev.turboagents.actors.inference;

import dev.turboagents.config.ContextProfileSettings;
import dev.turboagents.config.InferenceSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few context sizes a model is loaded with ({@code context-profiles}, a model's own list in
 * {@code model-context-profiles}, or the one num_ctx its pinned options name), capped at the
 * model's own context length, and the choice of one for a request: the smallest that holds the
 * prompt and the answer, or the size the model is loaded with when that holds them, so that no
 * request makes the server reload a model it could be served by.
 */
public final class ContextProfiles {

  /** What a request is sent with. */
  public sealed interface Choice {}

  /** The context size to send. */
  public record Profile(int numCtx) implements Choice {}

  /** The prompt alone needs more than the largest profile: refused, never truncated. */
  public record TooLarge(int promptTokens, int largestProfile) implements Choice {}

  private final ContextProfileSettings settings;
  private final PinnedOptions pinned;
  private final InferenceSettings inference;

  private ContextProfiles(InferenceSettings inference, PinnedOptions pinned) {
    this.inference = inference;
    this.settings = inference.contextProfiles();
    this.pinned = pinned;
  }

  public static ContextProfiles from(InferenceSettings settings) {
    return new ContextProfiles(settings, PinnedOptions.from(settings));
  }

  /** The profiles of {@code model}, ascending, none above {@code contextLength} (its own, when known). */
  public List<Integer> of(String model, Optional<Integer> contextLength) {
    List<Integer> configured = configured(model);
    if (contextLength.isEmpty()) {
      return configured;
    }
    int cap = contextLength.get();
    List<Integer> under = configured.stream().filter(n -> n <= cap).toList();
    return under.size() == configured.size() ? configured
        : java.util.stream.Stream.concat(under.stream(), java.util.stream.Stream.of(cap)).distinct().toList();
  }

  /** The largest context {@code model} is served at before its own context length is known: an agent's window. */
  public int largest(String model) {
    List<Integer> sizes = configured(model);
    return sizes.get(sizes.size() - 1);
  }

  /**
   * The size for a request of {@code promptTokens} asking for {@code outputTokens} of answer on
   * {@code model}, loaded now at {@code loaded} when it is: the loaded size when both fit in it,
   * else the smallest profile both fit in, else the largest profile when the prompt alone fits
   * (the answer then ends where the context does, as on Ollama); refused when the prompt does not.
   */
  public Choice choose(String model, Optional<Integer> contextLength, int promptTokens, int outputTokens,
      Optional<Integer> loaded) {
    List<Integer> sizes = of(model, contextLength);
    int largest = sizes.get(sizes.size() - 1);
    int needed = promptTokens + outputTokens;
    if (loaded.isPresent() && loaded.get() >= needed) {
      return new Profile(loaded.get());
    }
    Optional<Integer> fits = sizes.stream().filter(n -> n >= needed).findFirst();
    if (fits.isPresent()) {
      return new Profile(fits.get());
    }
    return promptTokens < largest ? new Profile(largest) : new TooLarge(promptTokens, largest);
  }

  /** The answer's length {@code call} asks for: num_predict when set and positive, else default-output-tokens. */
  public int outputTokens(InferenceCall call) {
    if (call instanceof InferenceCall.Embed) {
      return 0;
    }
    return call.options().integer(ModelOption.NUM_PREDICT).filter(n -> n > 0).map(Long::intValue)
        .orElse(settings.defaultOutputTokens());
  }

  public double initialTokensPerChar() {
    return settings.initialTokensPerChar();
  }

  private List<Integer> configured(String model) {
    List<Integer> own = settings.perModel().get(model);
    if (own != null) {
      return own;
    }
    Map<String, Object> pins = inference.pinnedFor(model);
    if (pins.containsKey(ModelOption.NUM_CTX.optionName())) {
      return List.of(pinned.forModel(model).integer(ModelOption.NUM_CTX).map(Long::intValue)
          .orElse(PinnedOptions.SERVER_DEFAULT_NUM_CTX));
    }
    return settings.profiles();
  }
}

package dev.turboagents.actors.inference;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The options of a model call: the {@link ModelOption}s Ollama documents, each checked against its
 * kind, plus any other option, relayed untouched. Immutable; numbers are kept as {@code Long} when
 * whole, else {@code Double}.
 *
 * @param values option name to value, in the order given
 */
public record ModelOptions(Map<String, Object> values) {

  public static final ModelOptions NONE = new ModelOptions(Map.of());

  /** A known option with a value of the wrong kind; names the option. */
  public static final class InvalidOption extends IllegalArgumentException {
    private final String option;

    InvalidOption(String option, String problem) {
      super(problem);
      this.option = option;
    }

    /** The option's name, e.g. {@code num_ctx}. */
    public String option() {
      return option;
    }
  }

  public ModelOptions {
    Map<String, Object> checked = new LinkedHashMap<>();
    values.forEach((name, value) -> {
      if (value != null) {
        Object normal = immutable(value);
        ModelOption.named(name).ifPresent(known -> check(known, normal));
        checked.put(name, normal);
      }
    });
    values = Collections.unmodifiableMap(checked);
  }

  /** Options from a map such as a parsed JSON object or a config section; null values are left out. */
  public static ModelOptions of(Map<String, ?> values) {
    return new ModelOptions(new LinkedHashMap<>(values));
  }

  public ModelOptions with(ModelOption option, Object value) {
    Map<String, Object> out = new LinkedHashMap<>(values);
    out.put(option.optionName(), value);
    return new ModelOptions(out);
  }

  public Optional<Object> get(ModelOption option) {
    return Optional.ofNullable(values.get(option.optionName()));
  }

  /** A whole-number option such as {@code num_ctx} or {@code num_predict}. */
  public Optional<Long> integer(ModelOption option) {
    return get(option).filter(Number.class::isInstance).map(v -> ((Number) v).longValue());
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /**
   * These options with every one that makes Ollama reload dropped, and {@code pinned} laid over
   * them: what the door sends, so no client can make Ollama reload a model by changing them.
   */
  public ModelOptions pinnedTo(ModelOptions pinned) {
    Map<String, Object> out = new LinkedHashMap<>(values);
    out.keySet().removeIf(name -> ModelOption.named(name).map(ModelOption::reloads).orElse(false));
    out.putAll(pinned.values());
    return new ModelOptions(out);
  }

  private static void check(ModelOption option, Object value) {
    boolean fits = switch (option.kind()) {
      case INTEGER, NUMBER -> value instanceof Long || value instanceof Double;
      case BOOLEAN -> value instanceof Boolean;
      case STRINGS -> value instanceof List<?> list && list.stream().allMatch(String.class::isInstance);
    };
    if (!fits) {
      throw new InvalidOption(option.optionName(), "must be " + option.kind().expected() + ", was " + value);
    }
  }

  /** Numbers as Long or Double, lists and maps as unmodifiable copies (JSON nulls inside stay). */
  private static Object immutable(Object value) {
    return switch (value) {
      case Integer i -> i.longValue();
      case Short s -> s.longValue();
      case Byte b -> b.longValue();
      case BigInteger b -> b.longValue();
      case Float f -> whole(f.doubleValue());
      case Double d -> whole(d);
      case BigDecimal d -> whole(d.doubleValue());
      case List<?> list -> {
        List<Object> copy = new ArrayList<>();
        list.forEach(item -> copy.add(item == null ? null : immutable(item)));
        yield Collections.unmodifiableList(copy);
      }
      case Map<?, ?> map -> {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), v == null ? null : immutable(v)));
        yield Collections.unmodifiableMap(copy);
      }
      default -> value;
    };
  }

  private static Object whole(double d) {
    return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
  }
}

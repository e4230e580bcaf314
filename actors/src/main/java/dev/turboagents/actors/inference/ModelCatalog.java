package dev.turboagents.actors.inference;

import java.util.List;
import java.util.TreeSet;

/**
 * The models the server had when the door last asked, for the checks before a request is queued:
 * does the model exist, and which ones do (Ollama takes {@code llama3.2} for {@code llama3.2:latest}).
 */
public record ModelCatalog(List<ModelSummary> models) {

  public ModelCatalog {
    models = List.copyOf(models);
  }

  public boolean knows(String model) {
    String wanted = normalize(model);
    return models.stream().anyMatch(m -> normalize(m.name()).equals(wanted));
  }

  /** The model names, sorted. */
  public List<String> names() {
    return List.copyOf(new TreeSet<>(models.stream().map(ModelSummary::name).toList()));
  }

  /** Why {@code model} is refused, naming the models there are. */
  public static String notFound(String model, List<String> available) {
    return "model '" + model + "' not found; available: " + (available.isEmpty() ? "(none)" : String.join(", ", available));
  }

  private static String normalize(String model) {
    return model.contains(":") ? model : model + ":latest";
  }
}

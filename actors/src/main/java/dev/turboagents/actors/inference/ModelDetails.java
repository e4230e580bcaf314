package dev.turboagents.actors.inference;

import java.util.List;

/**
 * What a model is: file format, family, parameter count and quantization, as the server describes
 * it (empty strings and an empty list where it says nothing).
 */
public record ModelDetails(String parentModel, String format, String family, List<String> families,
    String parameterSize, String quantizationLevel) {

  public static final ModelDetails NONE = new ModelDetails("", "", "", List.of(), "", "");
}

package dev.turboagents.http.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code openai_client_check.py} (OpenAI's official Python client) against a door. The
 * interpreter comes from OPENAI_PYTHON, a python with the {@code openai} package (.ci/run creates
 * that venv from PyPI). Without it the test is skipped, with a message saying how to run it, except
 * in CI (CI set), where it fails.
 */
final class OpenAiPythonClient {
  static final String VARIABLE = "OPENAI_PYTHON";

  private OpenAiPythonClient() {}

  static String python() {
    String python = System.getenv(VARIABLE);
    boolean ci = System.getenv("CI") != null && !System.getenv("CI").isBlank();
    if (python == null || python.isBlank()) {
      String why = VARIABLE + " is not set: point it at a python with the 'openai' package, e.g. python3 -m venv /tmp/v"
          + " && /tmp/v/bin/pip install openai && export " + VARIABLE + "=/tmp/v/bin/python (.ci/run does this)";
      if (ci) {
        Assertions.fail("in CI the OpenAI client test must run: " + why);
      }
      Assumptions.abort(why);
    }
    return python;
  }

  /** The script's findings (its last line), after asserting it exited 0. */
  static JsonNode run(Path dir, String doorUrl, String chatModel, String toolModel, String schemaModel, String embedModel)
      throws Exception {
    String python = python();
    Path script = dir.resolve("openai_client_check.py");
    try (InputStream in = OpenAiPythonClient.class.getResourceAsStream("/openai/openai_client_check.py")) {
      Files.copy(in, script);
    }
    Process p = new ProcessBuilder(python, script.toString(), doorUrl, chatModel, toolModel, schemaModel, embedModel)
        .redirectErrorStream(true).start();
    Assertions.assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the client finished");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    Assertions.assertEquals(0, p.exitValue(), out);
    return new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
  }
}

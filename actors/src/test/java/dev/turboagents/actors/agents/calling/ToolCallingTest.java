package dev.turboagents.actors.agents.calling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The small-model tool-calling path as pure functions: mode, answer schema, parsing, repair, loops. */
class ToolCallingTest {

  private static final ToolSpec READ = new ToolSpec("read_file", "read a file", JsonSchema.parse(
      "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"],"
          + "\"additionalProperties\":false}"));
  private static final ToolSpec TESTS = new ToolSpec("run_tests", "run the tests", JsonSchema.parse(
      "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"));
  private final TurnParser parser = new TurnParser(List.of(READ, TESTS), new ArgumentCheck());

  private static ChatMessage text(String content) {
    return ChatMessage.of("assistant", content);
  }

  @Test
  void theModeFollowsTheCapabilitiesUnlessConfigured() {
    assertEquals(ToolCallingMode.NATIVE_TOOLS, ToolCallingMode.decide(List.of("completion", "tools"), Optional.empty()));
    assertEquals(ToolCallingMode.SCHEMA_CONSTRAINED, ToolCallingMode.decide(List.of("completion"), Optional.empty()),
        "gemma3:270m and deepseek-coder have no tools capability");
    assertEquals(ToolCallingMode.PLAIN, ToolCallingMode.decide(List.of("embedding"), Optional.empty()));
    assertEquals(ToolCallingMode.PLAIN, ToolCallingMode.decide(List.of("completion", "tools"),
        Optional.of(ToolCallingMode.PLAIN)));
    assertEquals(Optional.of(ToolCallingMode.SCHEMA_CONSTRAINED), ToolCallingMode.parse("schema-constrained"));
  }

  @Test
  void theAnswerSchemaIsAChoiceOverEachToolAndTheFinalAnswer() throws Exception {
    JsonSchema schema = AnswerSchema.forTools(List.of(READ, TESTS));
    ArgumentCheck check = new ArgumentCheck();
    ObjectMapper json = new ObjectMapper();
    assertEquals(List.of(), check.problems(schema, json.readTree("{\"name\":\"read_file\",\"arguments\":{\"path\":\"a\"}}")));
    assertEquals(List.of(), check.problems(schema, json.readTree("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"x\"}}")));
    assertTrue(!check.problems(schema, json.readTree("{\"name\":\"shell\",\"arguments\":{}}")).isEmpty(),
        "a tool that is not offered cannot be produced under the schema");
    assertTrue(!check.problems(schema, json.readTree("{\"name\":\"read_file\",\"arguments\":{\"file\":\"a\"}}")).isEmpty());
    assertEquals(3, schema.definition().tree().get("oneOf").size());
  }

  @Test
  void aCallIsReadFromNativeToolCallsFromJsonAndFromFencedText() {
    ToolCall nativeCall = new ToolCall(Optional.empty(), "read_file", new JsonObject("{\"path\":\"src/A.java\"}"));
    var fromNative = parser.parse(new ChatMessage("assistant", "", List.of(nativeCall), List.of(), Optional.empty(),
        Optional.empty()));
    assertEquals("src/A.java", ((ParsedTurn.Call) fromNative).call().arguments().get("path").orElseThrow().asText());
    var fromJson = parser.parse(text("{\"name\":\"run_tests\",\"arguments\":{}}"));
    assertEquals("run_tests", ((ParsedTurn.Call) fromJson).call().name());
    var fenced = parser.parse(text("Sure! ```json\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a {b}\"}}\n```"));
    assertEquals("a {b}", ((ParsedTurn.Call) fenced).call().arguments().get("path").orElseThrow().asText());
    var stringArgs = parser.parse(text("{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"x\\\"}\"}"));
    assertInstanceOf(ParsedTurn.Call.class, stringArgs, "arguments sent as a JSON string are read too");
    var done = parser.parse(text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"fixed the bug\"}}"));
    assertEquals(new ParsedTurn.Final("fixed the bug"), done);
  }

  @Test
  void anInventedToolOrWrongArgumentsGetAPreciseCorrection() {
    var invented = (ParsedTurn.Invalid) parser.parse(text("{\"name\":\"shell\",\"arguments\":{\"cmd\":\"rm -rf /\"}}"));
    assertEquals("there is no tool named 'shell'", invented.problem());
    assertTrue(invented.correction().contains("read_file, run_tests"), invented.correction());
    var wrong = (ParsedTurn.Invalid) parser.parse(text("{\"name\":\"read_file\",\"arguments\":{\"file\":\"a\"}}"));
    assertTrue(wrong.problem().contains("read_file") && wrong.problem().contains("path"), wrong.problem());
    var prose = (ParsedTurn.Invalid) parser.parse(text("I will now read the file."));
    assertEquals("the answer is not a JSON object", prose.problem());
    var emptyFinal = (ParsedTurn.Invalid) parser.parse(text("{\"name\":\"final_answer\",\"arguments\":{}}"));
    assertTrue(emptyFinal.problem().contains("answer"));
  }

  @Test
  void theSameCallRepeatedIsALoop() {
    LoopGuard guard = new LoopGuard(3);
    ToolCall a = new ToolCall(Optional.empty(), "read_file", new JsonObject("{\"path\":\"a\"}"));
    ToolCall b = new ToolCall(Optional.empty(), "read_file", new JsonObject("{\"path\":\"b\"}"));
    assertEquals(Optional.empty(), guard.check(List.of(a, a)));
    assertEquals(Optional.empty(), guard.check(List.of(a, b, a)));
    assertTrue(guard.check(List.of(b, a, a, a)).orElseThrow().contains("3 times in a row"));
  }
}

package dev.turboagents.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;

/**
 * A text field of a PATCH body that can also be cleared: left out, it stays as it is; {@code null}
 * clears it; a string sets it. (An {@code Optional} cannot tell "left out" from "null".)
 */
@JsonDeserialize(using = TextChange.Reader.class)
public sealed interface TextChange {

  /** The field was not in the body. */
  record Keep() implements TextChange {}

  /** The body said {@code null}. */
  record Clear() implements TextChange {}

  record SetTo(String value) implements TextChange {}

  /** Binds the three cases; anything but a string or null is the usual "must be a string" 400. */
  final class Reader extends JsonDeserializer<TextChange> {
    @Override
    public TextChange deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        return (TextChange) ctxt.handleUnexpectedToken(TextChange.class, p);
      }
      return new SetTo(p.getText());
    }

    @Override
    public TextChange getNullValue(DeserializationContext ctxt) {
      return new Clear();
    }

    @Override
    public Object getAbsentValue(DeserializationContext ctxt) {
      return new Keep();
    }
  }
}

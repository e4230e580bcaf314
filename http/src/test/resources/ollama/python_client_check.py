"""Ollama's official Python client against the daemon's front door. Prints one JSON line of findings.

Usage: python_client_check.py HOST  (e.g. 127.0.0.1:8001)
"""
import json
import sys

import ollama

client = ollama.Client(host=sys.argv[1])
found = {}
found["list"] = sorted(m.model for m in client.list().models)
chat = client.chat(model="smollm2:135m", messages=[{"role": "user", "content": "Say hi"}], options={"num_predict": 8})
found["chat"] = chat.message.content
parts = list(client.chat(model="smollm2:135m", messages=[{"role": "user", "content": "Count to three"}],
                         options={"num_predict": 8}, stream=True))
found["stream_chunks"] = len(parts)
found["stream_done"] = bool(parts[-1].done)
tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
schema = {"type": "object", "properties": {"name": {"type": "string", "enum": ["get_weather"]},
          "arguments": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
          "required": ["name", "arguments"]}
called = client.chat(model="smollm2:135m", messages=[{"role": "user", "content": "Weather in Paris?"}], tools=tools,
                     format=schema, options={"num_predict": 96, "temperature": 0, "seed": 7})
found["tool_calls"] = [c.function.name for c in (called.message.tool_calls or [])]
found["embed_dims"] = len(client.embed(model="smollm2:135m", input="hello").embeddings[0])
found["ps"] = [m.model for m in client.ps().models]
try:
    client.chat(model="no-such-model:1b", messages=[{"role": "user", "content": "hi"}])
    found["unknown_model"] = "no error"
except ollama.ResponseError as e:
    found["unknown_model"] = {"status": e.status_code, "error": e.error}
print(json.dumps(found))

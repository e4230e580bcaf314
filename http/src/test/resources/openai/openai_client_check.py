"""OpenAI's official Python client against the daemon's /v1 door; prints one JSON line of findings.

usage: openai_client_check.py BASE_URL CHAT_MODEL TOOL_MODEL SCHEMA_MODEL EMBED_MODEL
Every call is bounded (max_tokens, timeout) so a real model on a CPU answers in seconds.
"""
import json
import sys

import openai

base, chat_model, tool_model, schema_model, embed_model = sys.argv[1:6]
client = openai.OpenAI(base_url=base + "/v1", api_key="not-needed", timeout=120, max_retries=0)
found = {"client_version": openai.__version__}

found["models"] = sorted(m.id for m in client.models.list())

r = client.chat.completions.create(model=chat_model, max_tokens=8,
                                   messages=[{"role": "user", "content": "Say hi"}])
found["chat"] = r.choices[0].message.content
found["chat_finish"] = r.choices[0].finish_reason
found["chat_usage"] = r.usage.completion_tokens

chunks, text, usage = 0, "", None
for chunk in client.chat.completions.create(model=chat_model, max_tokens=8, stream=True,
                                            stream_options={"include_usage": True},
                                            messages=[{"role": "user", "content": "Count to five"}]):
    chunks += 1
    if chunk.usage is not None:
        usage = chunk.usage.completion_tokens
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
found["stream_chunks"] = chunks
found["stream_text"] = text
found["stream_usage"] = usage

tools = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
r = client.chat.completions.create(model=tool_model, max_tokens=48, tools=tools, tool_choice="required",
                                   messages=[{"role": "user", "content": "What is the weather in Paris?"}])
calls = r.choices[0].message.tool_calls or []
found["tool_calls"] = [c.function.name for c in calls]
found["tool_arguments"] = [json.loads(c.function.arguments) for c in calls]
found["tool_finish"] = r.choices[0].finish_reason

r = client.completions.create(model=chat_model, prompt="The capital of France is", max_tokens=6)
found["completion"] = r.choices[0].text
found["completion_object"] = r.object

e = client.embeddings.create(model=embed_model, input=["hello", "world"])  # the client asks base64 and decodes it
found["embed_count"] = len(e.data)
found["embed_dims"] = len(e.data[0].embedding)

# last: the schema model may be another model, one swap only. Temperature 0: sampled, gemma3:270m
# sometimes invents a name long enough to end the answer at max_tokens inside the JSON
schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"]}
r = client.chat.completions.create(model=schema_model, max_tokens=48, temperature=0,
                                   response_format={"type": "json_schema",
                                                    "json_schema": {"name": "person", "schema": schema}},
                                   messages=[{"role": "user", "content": "Invent a person: name and age, as JSON."}])
found["json_schema"] = json.loads(r.choices[0].message.content)

try:
    client.chat.completions.create(model="no-such-model:1b", messages=[{"role": "user", "content": "hi"}])
    found["unknown_model"] = {"status": 200}
except openai.NotFoundError as err:
    found["unknown_model"] = {"status": err.status_code, "code": err.code, "message": err.message}

try:
    client.chat.completions.create(model=chat_model, messages=[{"role": "robot", "content": "hi"}])
    found["bad_role"] = {"status": 200}
except openai.BadRequestError as err:
    found["bad_role"] = {"status": err.status_code, "param": err.param}

print(json.dumps(found))

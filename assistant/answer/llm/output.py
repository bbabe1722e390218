"""What the model is asked to return, and reading it back as claims.

Every claim names a source number, a quote copied from that source, and one
sentence in the model's words. Servers differ in how they can be held to a
format, so there are four output modes:

- ``json_schema``: ``response_format`` of type ``json_schema`` (OpenAI, vLLM, Ollama, LM Studio);
- ``function_calling``: a forced tool call whose arguments are the JSON;
- ``json_object``: JSON mode with the schema alongside (llama.cpp's servers turn it into a grammar);
- ``text``: one claim a line, ``[n] "quote" sentence``, for servers with none of the above.

``auto`` tries them in an order that suits the server and keeps the first one
the server accepts. Output cut short (the token limit, a dropped stream) still
gives the claims that were complete.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable
from langchain_core.utils.json import parse_partial_json

MODES = ("json_schema", "function_calling", "json_object", "text")
TOOL = "cite_answer"
CLAIM_KEYS = ("source", "quote", "text")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                # the quote comes before the sentence: the model commits to evidence first,
                # and a stream can be verified before the sentence is shown
                "properties": {
                    "source": {"type": "integer", "description": "the number of the source quoted"},
                    "quote": {"type": "string", "description": "words copied exactly from that source"},
                    "text": {"type": "string", "description": "one sentence of the answer, in your words"},
                },
                "required": list(CLAIM_KEYS),
                "additionalProperties": False,
            },
        }
    },
    "required": ["claims"],
    "additionalProperties": False,
}


def schema(numbered: bool = False) -> dict[str, Any]:
    """The claims' JSON schema; ``numbered``: each claim names the sentence it quotes too."""
    if not numbered:
        return SCHEMA
    item = SCHEMA["properties"]["claims"]["items"]
    props = {"source": item["properties"]["source"],
             "sentence": {"type": "integer", "description": "the number of the sentence quoted, in that source"},
             "quote": item["properties"]["quote"], "text": item["properties"]["text"]}
    numbered_item = {**item, "properties": props, "required": list(props)}
    return {**SCHEMA, "properties": {"claims": {"type": "array", "items": numbered_item}}}


class MalformedOutput(ValueError):
    """The model's reply cannot be read as claims at all."""


@dataclass
class Claim:
    """One claim of the model's answer, as proposed (nothing verified yet)."""

    source: int | None
    quote: str
    text: str
    done: bool = True  # False while a stream is still writing it
    quote_done: bool = True  # the quote (and the source number) are final
    sentence: int | None = None  # the number of the sentence quoted, when the sources were numbered


@dataclass
class Parsed:
    claims: list[Claim]
    complete: bool  # False when the output was cut short: only ``done`` claims count


def modes_to_try(setting: str, official_openai: bool) -> list[str]:
    """The output modes to try in order, for the ``llm_output`` setting and the kind of server."""
    if setting in MODES:
        return [setting]
    if setting != "auto":
        raise ValueError(f"unknown llm_output {setting!r}; choose auto or one of: {', '.join(MODES)}")
    if official_openai:
        return ["json_schema", "function_calling", "text"]
    # llama.cpp refuses json_schema with a 500 but turns a json_object schema into a grammar;
    # LM Studio wants json_schema; anything else still reads plain text
    return ["json_object", "json_schema", "text"]


def bind(model: BaseChatModel, mode: str, numbered: bool = False) -> Runnable:
    """The model with the request fields that hold it to ``mode`` (``numbered``: claims name sentences)."""
    shape = schema(numbered)
    if mode == "json_schema":
        return model.bind(response_format={"type": "json_schema",
                                           "json_schema": {"name": TOOL, "strict": True, "schema": shape}})
    if mode == "function_calling":
        tool = {"type": "function", "function": {"name": TOOL, "description": "Give the answer as cited claims.",
                                                 "parameters": shape}}
        return model.bind(tools=[tool], tool_choice={"type": "function", "function": {"name": TOOL}})
    if mode == "json_object":
        return model.bind(response_format={"type": "json_object", "schema": shape})
    return model


def message_text(message: BaseMessage) -> str:
    """The raw answer in a reply: the tool call's arguments, else the content."""
    raw_calls = message.additional_kwargs.get("tool_calls") or []
    if raw_calls:
        return str(raw_calls[0].get("function", {}).get("arguments") or "")
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            return json.dumps(call.get("args") or {})
        for bad in message.invalid_tool_calls:
            return str(bad.get("args") or "")
    return message.content if isinstance(message.content, str) else ""


def chunk_text(chunk: BaseMessage) -> str:
    """The new raw text in a streamed chunk (tool-call argument pieces or content)."""
    pieces = getattr(chunk, "tool_call_chunks", None) or []
    if pieces:
        return "".join(p.get("args") or "" for p in pieces)
    return chunk.content if isinstance(chunk.content, str) else ""


def finish_reason(message: BaseMessage) -> str | None:
    return (message.response_metadata or {}).get("finish_reason")


def parse(raw: str, mode: str, *, final: bool = True, cut: bool = False) -> Parsed:
    """Claims from the raw output. ``final=False`` reads a stream still in progress; ``cut`` says the
    output ended early (token limit, broken stream). MalformedOutput when a final reply says nothing
    readable."""
    if mode == "text":
        return _parse_text(raw, final=final, cut=cut)
    return _parse_json(raw, final=final, cut=cut)


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def _parse_json(raw: str, *, final: bool, cut: bool) -> Parsed:
    body = _FENCE.sub("", raw.strip())
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    if start < 0:
        if final and not cut:
            raise MalformedOutput(f"no JSON in the reply: {raw[:80]!r}")
        return Parsed([], complete=False)
    body = body[start:]
    complete = False
    try:
        data = json.loads(body)
        complete = final and not cut
    except json.JSONDecodeError:
        try:
            data = parse_partial_json(body)
        except (json.JSONDecodeError, ValueError):
            data = None
        if data is None:  # not merely unclosed (cut short): broken
            if final and not cut:
                raise MalformedOutput(f"invalid JSON in the reply: {raw[:80]!r}") from None
            return Parsed([], complete=False)
    items = _claim_items(data)
    if items is None:
        if final and not cut:
            raise MalformedOutput(f"no claims in the reply: {raw[:80]!r}")
        return Parsed([], complete=False)
    claims = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        done = complete or i < len(items) - 1
        keys = list(item)
        quote_done = done or ("quote" in keys and keys.index("quote") < len(keys) - 1 and "source" in keys)
        claims.append(Claim(_source(item.get("source")), _str(item.get("quote")),
                            _str(item.get("text") or item.get("claim")), done=done, quote_done=quote_done,
                            sentence=_sentence(item)))
    if final and not cut and not complete and not any(c.done for c in claims):
        # a finished reply that is broken JSON: only complete claims before the break would count
        raise MalformedOutput(f"invalid JSON in the reply: {raw[:80]!r}")
    return Parsed(claims, complete=complete)


def _claim_items(data: Any) -> list | None:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        return None
    for key in ("claims", "answer", "answers", "items"):
        if isinstance(data.get(key), list):
            return data[key]
    if "quote" in data:  # a single claim, not wrapped
        return [data]
    return [] if not data else None


def _source(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    m = re.search(r"\d+", str(value or ""))
    return int(m.group()) if m else None


def _sentence(item: dict[str, Any]) -> int | None:
    """The sentence number of a claim: ``"sentence": 3``, or a source given as "1.3"."""
    value = item.get("sentence")
    if value is None:
        m = re.fullmatch(r"\s*\[?\d+\.(\d+)\]?\s*", str(item.get("source") or ""))
        return int(m.group(1)) if m else None
    return _source(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


_TEXT_CLAIM = re.compile(r"\[(\d+)(?:\.(\d+))?\]")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|«([^»]+)»")
_SEPARATORS = " \t-–—:=>|"
NO_ANSWER_LINE = "NO ANSWER"


def _parse_text(raw: str, *, final: bool, cut: bool) -> Parsed:
    lines = raw.splitlines()
    complete = final and not cut
    if lines and not (final and not cut) and not raw.endswith("\n"):
        lines = lines[:-1]  # still being written, or cut mid-line
    claims = []
    for line in lines:
        marker = _TEXT_CLAIM.search(line)
        if not marker:
            continue
        quoted = _QUOTED.search(line, marker.end()) or _QUOTED.search(line)
        quote = next(g for g in quoted.groups() if g is not None) if quoted else ""
        rest = line
        if quoted:
            rest = rest[: quoted.start()] + " " + rest[quoted.end():]
        rest = re.sub(r"\s*\[\d+(?:\.\d+)?\]", "", rest)
        text = " ".join(rest.split()).strip(_SEPARATORS)
        sentence = int(marker.group(2)) if marker.group(2) else None
        claims.append(Claim(int(marker.group(1)), quote, text, sentence=sentence))
    if final and not cut and not claims and NO_ANSWER_LINE.lower() not in raw.lower() and raw.strip():
        raise MalformedOutput(f"no claim in the reply: {raw[:80]!r}")
    return Parsed(claims, complete=complete)

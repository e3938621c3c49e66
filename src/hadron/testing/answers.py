"""Deterministic answers for fake servers: a reply is a function of the request, so tests can check it.

``expected_reply(text)`` is what the fault server answers to a last user message ``text``;
``value_for_schema`` builds a JSON value that satisfies a simple JSON schema (objects, arrays,
scalars, enums, ``$ref`` into ``$defs``) as pydantic writes them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hadron.llm.types import Message


def digest(text: str, size: int = 12) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def last_user_text(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # content parts
                return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


def expected_reply(text: str, *, words: int = 0) -> str:
    """The reply to a last user message ``text``: ``answer-<hash>`` plus ``words`` filler words."""
    reply = f"answer-{digest(text)}"
    return reply + "".join(f" w{i}" for i in range(words))


def value_for_schema(schema: dict[str, Any], text: str, root: dict[str, Any] | None = None) -> Any:
    """A value valid under ``schema``; strings are ``text`` so the answer still identifies the request."""
    root = root if root is not None else schema
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return value_for_schema(root.get("$defs", {}).get(name, {}), text, root)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return value_for_schema(schema[key][0], text, root)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: value_for_schema(sub, text, root) for name, sub in properties.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [value_for_schema(schema.get("items", {}), text, root) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(int(low) + (1 if "exclusiveMinimum" in schema else 0), 0)
        return value if "maximum" not in schema else min(value, schema["maximum"])
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return text

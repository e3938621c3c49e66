"""Structured answers: find the JSON in a reply, validate it, and say exactly what was wrong.

Weak models wrap JSON in prose or ``` fences, or add a trailing remark; ``extract_json`` finds the
first JSON value anyway. When validation fails, ``reask_message`` quotes the error back to the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from hadron.llm.types import Completion, Message

T = TypeVar("T")

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


@dataclass(slots=True)
class Structured(Generic[T]):
    """The outcome of ``chat_json``: a validated value, or None and the reason."""

    value: T | None
    completions: list[Completion] = field(default_factory=list)
    """The first ask and every re-ask, in order."""
    reasks: int = 0
    error: str | None = None
    """Why the last try failed; None when ``value`` is set."""

    @property
    def ok(self) -> bool:
        return self.error is None


def extract_json(text: str) -> Any:
    """The first JSON value in ``text``: the whole text, a fenced block, or an embedded object/array."""
    text = text.strip()
    candidates = [text, *(block.strip() for block in _FENCE.findall(text))]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    for start, char in enumerate(text):
        if char in "{[":
            try:
                value, _ = _DECODER.raw_decode(text, start)
            except ValueError:
                continue
            return value
    raise ValueError("no JSON object found in the reply")


def parse_reply(text: str, adapter: TypeAdapter[T]) -> T:
    """Extract and validate; raises ValueError with a message fit to quote back to the model."""
    data = extract_json(text)
    try:
        return adapter.validate_python(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()
        )
        raise ValueError(f"the JSON does not match the schema: {problems}") from err


@dataclass(frozen=True, slots=True)
class Shape(Generic[T]):
    """A schema's validator and its JSON schema, built once per schema type: building them costs more
    CPU than the rest of a structured call's client-side work."""

    adapter: TypeAdapter[T]
    response_format: dict[str, Any]
    """OpenAI ``response_format`` asking for JSON constrained to the schema (shared: do not mutate)."""
    json_schema_text: str


def shape_of(schema: Any) -> Shape[Any]:
    """The (cached) ``Shape`` of a type; unhashable type expressions are built each time."""
    try:
        return _cached_shape(schema)
    except TypeError:
        return _build_shape(schema)


def _build_shape(schema: Any) -> Shape[Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(schema)
    return Shape(adapter=adapter, response_format=response_format(schema, adapter),
                 json_schema_text=json.dumps(adapter.json_schema(), ensure_ascii=False))


_cached_shape = lru_cache(maxsize=256)(_build_shape)


def schema_name(schema: Any) -> str:
    name = getattr(schema, "__name__", "answer")
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64] or "answer"


def response_format(schema: Any, adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """OpenAI ``response_format`` asking for JSON constrained to the schema."""
    return {"type": "json_schema",
            "json_schema": {"name": schema_name(schema), "schema": adapter.json_schema()}}


def reask_message(error: str, adapter: TypeAdapter[Any], *, schema_text: str | None = None) -> Message:
    schema = schema_text if schema_text is not None else json.dumps(adapter.json_schema(), ensure_ascii=False)
    return {"role": "user", "content": (
        f"Your previous reply could not be used: {error}. "
        f"Reply again with only a JSON value that matches this JSON schema, and nothing else:\n{schema}"
    )}

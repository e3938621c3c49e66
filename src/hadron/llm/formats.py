"""Structured-output negotiation: which way of asking for JSON a server takes, found once per run.

Servers differ (docs/servers.md): OpenAI, vLLM, SGLang and llama-server take
``response_format: {"type": "json_schema", ...}``; llama-cpp-python's server refuses it (HTTP 500) but
takes ``{"type": "json_object", "schema": ...}``; llama.cpp servers take a GBNF ``grammar`` field; some
take nothing. Steps always ask in the OpenAI ``json_schema`` form; a ``Negotiator`` per (endpoint, model)
rewrites the request into the first mode the server has not refused, in this order:

    json_schema -> json_object (schema inside) -> grammar -> none (prompted JSON, parsed and re-asked)

The first refusal of a mode (``FormatRefused``: a 400 or 422, or the one documented 500 quirk, decided
in ``backends.openai_http.format_refused``) moves every later call on, with one log line. A 400 can also
be about the request itself (too long a prompt): a mode that has answered before is never taken as
refused, and a call whose request is rejected even in a mode it moved to puts the mode back
(``restore``), so one bad request does not walk the run down to prompted JSON. An explicit
``structured:`` in the model's config pins the mode and turns negotiation off.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from typing import Any, Literal, get_args

from hadron.llm.errors import FormatRefused
from hadron.llm.types import ChatRequest

log = logging.getLogger("hadron.llm")

Mode = Literal["json_schema", "json_object", "grammar", "none"]
MODES: tuple[Mode, ...] = get_args(Mode)
"""Every mode, in the order they are tried."""


def requested_schema(request: ChatRequest) -> dict[str, Any] | None:
    """The JSON schema a step asked for (OpenAI ``json_schema`` form), or None: nothing to negotiate."""
    fmt = request.response_format
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    schema = (fmt.get("json_schema") or {}).get("schema")
    return schema if isinstance(schema, dict) else {}


def _as_json_schema(request: ChatRequest, schema: dict[str, Any]) -> ChatRequest:
    return request


def _as_json_object(request: ChatRequest, schema: dict[str, Any]) -> ChatRequest:
    fmt = {"type": "json_object", "schema": grammar_safe(schema)}  # llama.cpp compiles it to a grammar
    return dataclasses.replace(request, response_format=fmt)


def _as_grammar(request: ChatRequest, schema: dict[str, Any]) -> ChatRequest:
    grammar = schema_grammar(grammar_safe(schema))
    return dataclasses.replace(request, response_format=None,
                               extra_body={**request.extra_body, "grammar": grammar})


def _as_prompted(request: ChatRequest, schema: dict[str, Any]) -> ChatRequest:
    """No constraint: the step's prompt asks for JSON, and ``chat_json`` re-asks quoting the schema."""
    return dataclasses.replace(request, response_format=None)


RENDERERS: dict[Mode, Callable[[ChatRequest, dict[str, Any]], ChatRequest]] = {
    "json_schema": _as_json_schema,
    "json_object": _as_json_object,
    "grammar": _as_grammar,
    "none": _as_prompted,
}
"""mode -> how a request asking for ``schema`` is sent in that mode."""


def schema_grammar(schema: dict[str, Any]) -> str:
    """A GBNF grammar for ``schema`` (llama.cpp's converter, shipped with llama-cpp-python).

    Raises ``FormatRefused`` when it cannot be built here, so the mode is skipped like a refused one."""
    try:
        from llama_cpp.llama_grammar import json_schema_to_gbnf
    except ImportError as err:
        raise FormatRefused("no grammar converter: the grammar mode needs llama-cpp-python installed "
                            "on the client") from err
    try:
        return str(json_schema_to_gbnf(json.dumps(schema)))
    except Exception as err:  # the converter raises bare exceptions for schemas it does not handle
        raise FormatRefused(f"the schema cannot be written as a grammar: {err}") from err


_UNBOUNDED_KEYWORDS = frozenset({"maxLength", "minLength", "pattern"})
_MAX_ITEMS_IN_GRAMMAR = 16


def grammar_safe(schema: Any) -> Any:
    """The schema without the keywords llama.cpp expands into huge repetition rules.

    ``maxLength: 2000`` becomes 2,000 nested optional rules; llama.cpp's grammar parser then fails and
    the process segfaults instead of raising. Constrained decoding only has to guarantee the structure
    (keys, types, enums): the caller still validates the parsed value against the full schema and
    re-asks, so dropping these bounds loses nothing.
    """
    if isinstance(schema, list):
        return [grammar_safe(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    safe = {key: grammar_safe(value) for key, value in schema.items() if key not in _UNBOUNDED_KEYWORDS}
    for key in ("minItems", "maxItems"):
        if isinstance(safe.get(key), int) and safe[key] > _MAX_ITEMS_IN_GRAMMAR:
            del safe[key]
    return safe


class Negotiator:
    """The structured-output mode of one (endpoint, model), for one run."""

    def __init__(self, name: str, *, fixed: Mode | None = None,
                 offered: tuple[Mode, ...] = MODES) -> None:
        """``fixed``: the config's explicit ``structured:`` (no negotiation); ``offered``: the modes the
        backend can send, in order (a backend declares them as ``structured_modes``)."""
        self.name = name
        self.fixed = fixed
        self.offered = offered
        self._mode: Mode = fixed or offered[0]
        self.used = False
        """True once a request asked for a schema (only then is the choice worth recording)."""
        self.downgrades: list[tuple[Mode, Mode, str]] = []
        """(refused mode, next mode, the refusal) for each downgrade, in order."""
        self.answered: set[Mode] = set()
        """Modes the server has answered in: a later 400 in one of them is about the request."""

    @property
    def mode(self) -> Mode:
        return self._mode

    def render(self, request: ChatRequest) -> tuple[ChatRequest, Mode | None]:
        """``request`` as it is sent in the current mode, and that mode (None: no schema asked)."""
        schema = requested_schema(request)
        if schema is None:
            return request, None
        self.used = True
        while True:
            mode = self._mode
            try:
                return RENDERERS[mode](request, schema), mode
            except FormatRefused as err:  # the mode cannot even be written here (no grammar converter)
                if not self.refused(mode, err):
                    raise

    def refused(self, mode: Mode, error: FormatRefused) -> bool:
        """Move past ``mode`` after the server refused it; False when there is nothing to move to
        (the mode is pinned, or every mode was refused) and the refusal stands."""
        if self.fixed is not None or mode in self.answered:
            return False
        if mode != self._mode:
            return True  # a concurrent call has already moved on: ask again in the current mode
        later = self.offered[self.offered.index(mode) + 1:]
        if not later:
            return False
        self._mode = later[0]
        self.downgrades.append((mode, self._mode, str(error)))
        why = f"HTTP {error.status}" if error.status else " ".join(str(error).split())[:120]
        log.warning("%s: the server refused structured output as %s (%s); asking as %s from now on",
                    self.name, mode, why, self._mode)
        return True

    def mark(self) -> int:
        """Where the downgrades stand before a call; ``restore`` takes back those after it."""
        return len(self.downgrades)

    def answered_in(self, mode: Mode) -> None:
        self.answered.add(mode)

    def restore(self, mark: int, error: Exception) -> None:
        """The call's request was rejected in the mode it moved to as well: the refusals since ``mark``
        were about the request, not the format. Put the mode back unless a mode after it has answered
        meanwhile (another call's success shows the downgrade was real)."""
        taken = self.downgrades[mark:]
        if not taken or any(later in self.answered for _, later, _ in taken):
            return
        del self.downgrades[mark:]
        self._mode = taken[0][0]
        why = " ".join(str(error).split())[:120]
        log.warning("%s: the request was rejected in %s as well (%s): not a refusal of structured output; "
                    "asking as %s again", self.name, taken[-1][1], why, self._mode)

    def describe(self) -> dict[str, Any]:
        """What the manifest/stats record: the mode in use, how it was chosen, what was refused."""
        return {"mode": self._mode, "how": "config" if self.fixed else "negotiated",
                "refused": [refused for refused, _, _ in self.downgrades]}


def check_mode(name: str, mode: Mode | None, offered: tuple[Mode, ...]) -> None:
    """A pinned mode the backend cannot send is a config error."""
    from hadron.errors import ConfigError

    if mode is not None and mode not in offered:
        raise ConfigError(f"model {name!r}: structured: {mode} is not available for this backend "
                          f"(it takes {', '.join(offered)})")

"""Secrets by value: mask the values of secret-looking environment variables in anything written.

A key that reaches a model's prompt, a tool's output or an error message would otherwise be stored in
``data/``, ``rejects.jsonl``, logs, reports, cards, exports and the response cache. Redacting by
*value* catches it wherever it appears; redacting by key name (what exports do for ``api_key``
fields) does not. Every file writer calls ``redact`` on its text just before writing.

Secret names: ``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``, ``HF_TOKEN``, and any name
registered with ``register_secret_env`` (model configs' ``api_key_env``). Values shorter than
``MIN_LENGTH`` are left alone: masking "1" or "true" everywhere would corrupt ordinary text.

This module is ground level: it imports nothing from hadron, so every layer may use it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

MASK = "[REDACTED]"
MIN_LENGTH = 8
SUFFIXES = ("_KEY", "_TOKEN", "_SECRET", "_PASSWORD", "_APIKEY")
NAMES = frozenset({"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"})

_registered: set[str] = set()
_cache: list[tuple[object, list[str]]] = []
"""[(snapshot of the environment, its secret values)]: at most one entry."""


def register_secret_env(name: str) -> None:
    """Treat ``$name`` as a secret from now on (a model config's ``api_key_env``)."""
    _registered.add(name)
    _cache.clear()


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return upper in NAMES or upper.endswith(SUFFIXES) or name in _registered


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values to mask, longest first (so one secret inside another is masked whole).

    For the process environment the answer is cached under a snapshot of it (a few microseconds: a
    writer calls this for every line), so a variable set or changed at run time is still seen."""
    if environ is None:
        raw = getattr(os.environ, "_data", None)  # CPython's bytes view; avoids decoding every value
        mapping = raw if isinstance(raw, dict) else os.environ
        snapshot = (tuple(mapping), tuple(mapping.values()))  # compared element by element, by identity first
        if _cache and _cache[0][0] == snapshot:
            return _cache[0][1]
        values = _values(os.environ)
        _cache[:] = [(snapshot, values)]
        return values
    return _values(environ)


def _values(env: Mapping[str, str]) -> list[str]:
    values = {value for name, value in env.items() if len(value) >= MIN_LENGTH and is_secret_name(name)}
    forms = values | {json.dumps(v)[1:-1] for v in values}  # as it appears inside a JSON string
    return sorted(forms, key=len, reverse=True)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with every secret value replaced by ``[REDACTED]``."""
    for value in secret_values(environ):
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_bytes(data: bytes, environ: Mapping[str, str] | None = None) -> bytes:
    """``redact`` for UTF-8 bytes (JSON lines); bytes that are not UTF-8 are matched as UTF-8 too."""
    for value in secret_values(environ):
        encoded = value.encode("utf-8")
        if encoded in data:
            data = data.replace(encoded, MASK.encode())
    return data


__all__ = ["MASK", "is_secret_name", "redact", "redact_bytes", "register_secret_env", "secret_values"]

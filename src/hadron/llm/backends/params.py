"""Request parameters a model refuses, learned once per (endpoint, model) and then left out.

OpenAI's reasoning models (o-series, GPT-5.x, also behind Azure) answer ``max_tokens`` with HTTP 400
``{"error": {"param": "max_tokens", "code": "unsupported_parameter", "message": "... Use
'max_completion_tokens' instead."}}`` and a non-default ``temperature`` with ``code:
"unsupported_value"``. Every request a pipeline sends carries both, so without this every row of a run
on such a model fails. At the first such answer the body is sent again without the refused field (or,
for ``max_tokens``, with it renamed), and every later call of the backend is sent that way, with one log
line each. The structured fields (``param`` and ``code``) decide; proxies that keep only the message get
its documented wording (``Unsupported parameter: 'max_tokens'``). Output formats and tools are never
dropped here: ``hadron.llm.formats`` negotiates those.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

log = logging.getLogger("hadron.llm")

RENAMED = {"max_tokens": "max_completion_tokens"}
"""Refused field -> the name the same server takes for it."""
KEPT = frozenset({"model", "messages", "response_format", "grammar", "tools", "tool_choice"})
"""Fields never left out: without them the request would ask for something else."""
CODES = frozenset({"unsupported_parameter", "unsupported_value"})
_MESSAGE = re.compile(r"Unsupported (?:parameter|value): '(\w+)'")


def refused_param(status: int, body: bytes) -> str | None:
    """The request field a 400 says the model does not take, or None for any other error."""
    if status != 400:
        return None
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    param = error.get("param")
    if error.get("code") in CODES and isinstance(param, str):
        return param
    found = _MESSAGE.search(str(error.get("message") or ""))
    return found.group(1) if found else None


class ParamAdapter:
    """What one backend has learned its model refuses; applied to every body it sends."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.renamed: dict[str, str] = {}
        self.dropped: set[str] = set()

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        for old, new in self.renamed.items():
            if old in body:
                body[new] = body.pop(old)
        for name in self.dropped:
            body.pop(name, None)
        return body

    def learn(self, param: str, body: dict[str, Any]) -> bool:
        """Adapt to the refusal of ``param``; False when the body cannot be sent without it (a field
        never left out, or one it does not hold), and the refusal stands."""
        if param in KEPT or param not in body:
            return False
        value = body[param]
        if param in RENAMED and RENAMED[param] not in body:
            self.renamed[param] = RENAMED[param]
            how = f"sending it as {RENAMED[param]}"
        else:
            self.dropped.add(param)
            how = "leaving it out (the server's default applies)"
        log.warning("%s: the model does not take %s=%s; %s from now on", self.name, param,
                    json.dumps(value)[:40], how)
        return True

    def describe(self) -> dict[str, Any]:
        return {"renamed": dict(self.renamed), "dropped": sorted(self.dropped)}


__all__ = ["ParamAdapter", "refused_param"]

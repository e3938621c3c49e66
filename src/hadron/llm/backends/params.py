"""Request parameters a model refuses, learned once per (endpoint, model) and then left out.

OpenAI's reasoning models (o-series, GPT-5.x, also behind Azure) answer ``max_tokens`` with HTTP 400
``{"error": {"param": "max_tokens", "code": "unsupported_parameter", "message": "... Use
'max_completion_tokens' instead."}}`` and a non-default ``temperature`` with ``code:
"unsupported_value"``. Every request a pipeline sends carries both, so without this every row of a run
on such a model fails. At the first such answer the body is sent again without the refused field (or,
for ``max_tokens``, with it renamed), and every later call of the backend is sent that way, with one log
line each. The structured fields (``param`` and ``code``) decide; proxies that keep only the message get
its documented wording (``Unsupported parameter: 'max_tokens'``). Servers that validate the body with
pydantic and forbid unknown fields (Mistral's API: HTTP 422 ``extra_forbidden``, seen for ``n``,
``frequency_penalty`` and ``max_completion_tokens``) are read the same way. Output formats and tools
are never dropped here: ``hadron.llm.formats`` negotiates those.
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
    """The request field a 400 or 422 says the model does not take, or None for any other error."""
    if status not in (400, 422):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):
        param = error.get("param")
        if error.get("code") in CODES and isinstance(param, str):
            return param
        found = _MESSAGE.search(str(error.get("message") or ""))
        if found:
            return found.group(1)
    return _extra_forbidden(data)


def _extra_forbidden(data: dict[str, Any]) -> str | None:
    """A top-level field a pydantic-validated server forbids (HTTP 422, ``extra_forbidden`` at
    ``loc: ["body", FIELD]``): FastAPI puts the list under ``detail``, Mistral's API under
    ``message.detail`` (once as a JSON string)."""
    message = data.get("message")
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            message = None
    details = data.get("detail") or (message.get("detail") if isinstance(message, dict) else None)
    for item in details if isinstance(details, list) else ():
        loc = item.get("loc") if isinstance(item, dict) else None
        if isinstance(loc, list) and len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], str) \
                and item.get("type") == "extra_forbidden":
            return loc[1]
    return None


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

"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for tests and load benchmarks.

It runs ``aiohttp.web`` on its own event loop in a background thread, so sync and async tests use it
the same way (``with FaultServer(...) as server:``). Answers are functions of the request
(``answers.expected_reply``); faults are drawn from a seeded schedule keyed by the request body and
how many times that body arrived, so a run injects the same faults however requests interleave.
Every request is recorded (arrival time, body, fault) so tests can count retries and measure gaps.

    python -m hadron.testing --latency 0.2 --port 8765    # a load server for benchmarks
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from hadron.core import canonical_json, stable_hash
from hadron.errors import ConfigError
from hadron.testing.answers import digest, expected_reply, last_user_text, value_for_schema

FAULT_KINDS = ("rate_limit", "rate_limit_bare", "unavailable", "server_error", "hang", "reset",
               "truncated", "malformed", "empty_choices", "not_completion")
"""429 with Retry-After, 429 without, 503, 500, no answer until ``hang_s``, connection closed with no
answer, body cut off mid-way, body that is not JSON, a completion with ``choices: []``, a 200 whose JSON
body is something else (a proxy's status page)."""

REFUSAL_BODIES = {
    500: "1 validation error: response_format.type: Input should be 'text' or 'json_object'",
}
"""What a server says when it refuses a structured-output format, by status (500: llama-cpp-python's)."""

Latency = float | tuple[float, float] | Callable[[random.Random], float]
"""Fixed seconds, a uniform (low, high) range, or a function of a seeded RNG."""

Reply = Callable[[dict[str, Any]], str | None]
"""A scripted answer: the request body -> the message content, or None for the default answer."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    arrival: float
    """``time.monotonic()`` when the request arrived (same clock as the test process)."""
    path: str
    body: dict[str, Any] | None
    fault: str | None
    headers: dict[str, str]


class FaultServer:
    def __init__(self, *, faults: Mapping[str, float] | None = None, sequence: Sequence[str | None] = (),
                 seed: int = 0, latency_s: Latency = 0.0,
                 tokens_per_s: float | None = None, max_concurrency: int | None = None,
                 retry_after_s: float = 1.0, hang_s: float = 600.0, status: int | None = None,
                 reasoning: Literal["think", "field"] | None = None, model: str = "fault-model",
                 reply_words: int = 0, reply: Reply | None = None, record: bool = True,
                 refuse: Mapping[str, int] | None = None, think_tokens: int = 0,
                 unsupported: Mapping[str, str] | None = None, port: int = 0) -> None:
        self.faults = dict(faults or {})
        unknown = set(self.faults) - set(FAULT_KINDS)
        if unknown or sum(self.faults.values()) > 1.0 or any(v < 0 for v in self.faults.values()):
            raise ConfigError(f"fault rates must be >= 0, sum to <= 1 and be among {FAULT_KINDS}: "
                              f"{self.faults}")
        if set(sequence) - set(FAULT_KINDS) - {None}:
            raise ConfigError(f"unknown fault kinds in sequence {list(sequence)}; known: {FAULT_KINDS}")
        self.sequence = list(sequence)
        """Faults for the 1st, 2nd, ... arrival of each distinct request body; the rates apply after."""
        self.seed = seed
        self.latency_s = latency_s
        self.tokens_per_s = tokens_per_s
        self.max_concurrency = max_concurrency
        self.retry_after_s = retry_after_s
        self.hang_s = hang_s
        self.status = status
        """When set, every chat request is answered with this HTTP error status."""
        self.reasoning = reasoning
        self.model = model
        self.reply_words = reply_words
        self.reply = reply
        """Scripts the content (e.g. judge ballots); it must be a pure function of the body so a
        repeated request gets the same answer. Usage is counted from whatever it returns."""
        self.record = record
        self.refuse = dict(refuse or {})
        """Structured-output modes this server refuses (``json_schema``, ``json_object``, ``grammar``)
        -> the HTTP status it answers them with, like servers that do not take them."""
        self.unsupported = dict(unsupported or {})
        """Request fields this model refuses, as OpenAI's reasoning models do: field -> error code
        (``unsupported_parameter``, or ``unsupported_value`` for any value but the default), or as
        Mistral's API does (``extra_forbidden``: HTTP 422)."""
        self.think_tokens = think_tokens
        """A reasoning model: it thinks this many tokens before answering; a ``max_tokens`` below that
        gets reasoning, empty content and finish_reason ``length`` (needs ``reasoning``)."""
        self.port = port
        self._records: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._seen: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._gate: asyncio.Semaphore | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def spec(self, model: str | None = None) -> str:
        """A Hadron model spec pointing here: ``http://127.0.0.1:PORT/v1#MODEL``."""
        return f"{self.base_url}#{model or self.model}"

    def start(self) -> FaultServer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-server", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        self._gate = asyncio.Semaphore(self.max_concurrency) if self.max_concurrency else None
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, backlog=1024).start()

    async def _stop(self) -> None:
        assert self._stopping is not None and self._runner is not None
        self._stopping.set()
        await self._runner.cleanup()

    # -- what happened -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def fault_counts(self) -> Counter[str]:
        return Counter(r.fault for r in self.requests if r.fault is not None)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    # -- handlers ----------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        self._remember(RecordedRequest(time.monotonic(), request.path, None, None, dict(request.headers)))
        return web.json_response({"object": "list", "data": [{"id": self.model, "object": "model",
                                                              "owned_by": "hadron"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        arrival = time.monotonic()
        try:
            body = json.loads(await request.read())
            assert isinstance(body, dict) and isinstance(body.get("messages"), list)
        except (ValueError, AssertionError):
            self._remember(RecordedRequest(arrival, request.path, None, "bad_request", dict(request.headers)))
            return _error(400, "the body must be a JSON chat-completions request")
        key = hashlib.sha256(canonical_json(body).encode()).hexdigest()
        nth = self._seen[key]
        self._seen[key] += 1
        fault = f"status_{self.status}" if self.status else self._pick_fault(key, nth)
        self._remember(RecordedRequest(arrival, request.path, body, fault, dict(request.headers)))
        if self.status:
            return _error(self.status, f"configured to answer {self.status}")
        for param, code in self.unsupported.items():
            if param in body:
                return _unsupported(param, code)
        refused = self.refuse.get(structured_mode(body) or "")
        if refused:
            return _error(refused, REFUSAL_BODIES.get(refused, "unsupported response_format"))
        if fault in _INSTANT:
            return _INSTANT[fault](self)
        if fault == "hang":
            return await self._hang()
        if fault == "reset":
            return _reset(request)
        rng = random.Random(stable_hash("latency", self.seed, key, nth))
        if self._gate is None:
            payload = await self._answer(body, rng)
        else:
            async with self._gate:
                payload = await self._answer(body, rng)
        if fault == "truncated":
            return await _truncated(request, payload)
        if fault == "malformed":
            return web.Response(body=payload[: len(payload) // 2], content_type="application/json")
        if fault == "not_completion":
            return web.json_response({"status": "ok", "service": "a proxy"})
        if fault == "empty_choices":
            data = json.loads(payload)
            data["choices"] = []
            return web.json_response(data)
        return web.Response(body=payload, content_type="application/json")

    def _pick_fault(self, key: str, nth: int) -> str | None:
        if nth < len(self.sequence):
            return self.sequence[nth]
        point = stable_hash("fault", self.seed, key, nth) / 2**64
        for kind in FAULT_KINDS:
            rate = self.faults.get(kind, 0.0)
            if point < rate:
                return kind
            point -= rate
        return None

    def _remember(self, record: RecordedRequest) -> None:
        if self.record:
            with self._lock:
                self._records.append(record)

    async def _hang(self) -> web.Response:
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.hang_s)
        return _error(504, "hung on purpose")

    async def _answer(self, body: dict[str, Any], rng: random.Random) -> bytes:
        """Wait the configured latency and generation time, then build the completion body."""
        text = last_user_text(body["messages"])
        content: Any = expected_reply(text, words=self.reply_words)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema") or {}
            message["content"] = json.dumps(value_for_schema(schema, content))
        elif fmt.get("type") == "json_object" and isinstance(fmt.get("schema"), dict):
            message["content"] = json.dumps(value_for_schema(fmt["schema"], content))
        elif fmt.get("type") == "json_object":
            message["content"] = json.dumps({"answer": content})
        scripted = self.reply(body) if self.reply is not None else None
        if scripted is not None:
            message["content"] = scripted
        thoughts = f"thinking about {digest(text)}"
        finish_reason = "stop"
        budget = body.get("max_tokens")
        if self.think_tokens:
            thoughts = " ".join(["hmm"] * self.think_tokens)
            if isinstance(budget, int) and budget <= self.think_tokens:  # spent it all thinking
                thoughts = " ".join(["hmm"] * budget)
                message["content"], finish_reason = "", "length"
        if self.reasoning == "think":
            close = "</think>" if finish_reason == "stop" else ""
            message["content"] = f"<think>{thoughts}{close}{message['content']}"
        elif self.reasoning == "field":
            message["reasoning_content"] = thoughts
        completion_tokens = len(str(message["content"]).split())
        if self.think_tokens and self.reasoning == "field":
            completion_tokens += len(thoughts.split())
        await asyncio.sleep(self._latency(rng) + completion_tokens / (self.tokens_per_s or float("inf")))
        prompt_tokens = len(canonical_json(body["messages"])) // 4
        return json.dumps({
            "id": f"chatcmpl-{digest(canonical_json(body))}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model") or self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }).encode()

    def _latency(self, rng: random.Random) -> float:
        if callable(self.latency_s):
            return max(0.0, self.latency_s(rng))
        if isinstance(self.latency_s, tuple):
            return rng.uniform(*self.latency_s)
        return self.latency_s


def structured_mode(body: dict[str, Any]) -> str | None:
    """How a request asks for structured output: ``grammar``, a ``response_format`` type, or None."""
    if body.get("grammar"):
        return "grammar"
    fmt = body.get("response_format")
    return str(fmt.get("type")) if isinstance(fmt, dict) else None


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "fault_server", "code": status}},
                             status=status, headers=headers)


def _unsupported(param: str, code: str) -> web.Response:
    """OpenAI's answer to a field the model does not take (its documented body, with ``param``), or
    Mistral's (HTTP 422, pydantic's ``extra_forbidden``) for ``code="extra_forbidden"``."""
    if code == "extra_forbidden":
        detail = [{"type": "extra_forbidden", "loc": ["body", param],
                   "msg": "Extra inputs are not permitted"}]
        return web.json_response({"object": "error", "message": {"detail": detail},
                                  "type": "invalid_request_error", "param": None, "code": None}, status=422)
    message = (f"Unsupported parameter: '{param}' is not supported with this model." if code ==
               "unsupported_parameter" else f"Unsupported value: '{param}' does not support this value "
               "with this model. Only the default value is supported.")
    return web.json_response({"error": {"message": message, "type": "invalid_request_error", "param": param,
                                        "code": code}}, status=400)


_INSTANT: dict[str, Callable[[FaultServer], web.Response]] = {
    "rate_limit": lambda s: _error(429, "rate limited (with Retry-After)",
                                   {"Retry-After": f"{s.retry_after_s:g}"}),
    "rate_limit_bare": lambda s: _error(429, "rate limited"),
    "unavailable": lambda s: _error(503, "overloaded"),
    "server_error": lambda s: _error(500, "internal error"),
}


def _reset(request: web.Request) -> web.Response:
    """Drop the connection without answering."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


async def _truncated(request: web.Request, payload: bytes) -> web.StreamResponse:
    """Promise the full body, send half of it, then close the connection."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = len(payload)
    await response.prepare(request)
    await response.write(payload[: len(payload) // 2])
    if request.transport is not None:
        request.transport.abort()
    return response


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    parser.add_argument("--tokens-per-s", type=float, default=None)
    parser.add_argument("--max-concurrency", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault", action="append", default=[], metavar="KIND=RATE",
                        help=f"inject a fault kind at a rate; kinds: {', '.join(FAULT_KINDS)}")
    parser.add_argument("--no-record", action="store_true", help="do not keep a log of requests")
    args = parser.parse_args(argv)
    faults = {kind: float(rate) for kind, _, rate in (item.partition("=") for item in args.fault)}
    server = FaultServer(faults=faults, seed=args.seed, latency_s=args.latency,
                         tokens_per_s=args.tokens_per_s, max_concurrency=args.max_concurrency,
                         record=not args.no_record, port=args.port)
    with server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


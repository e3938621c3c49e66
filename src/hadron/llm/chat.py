"""``ChatModel``: what steps call. Builds the request, meters the call, and asks for JSON.

It wraps anything that can ``complete`` a request (a ``Client`` for one model, a ``Pool`` for
several) and records every call, failed ones included, in the hub's ``Meter``.
"""

from __future__ import annotations

import time
from typing import Any, Protocol, TypeVar

from pydantic import TypeAdapter

from hadron.llm.accounting import Meter, Tally
from hadron.llm.errors import LLMError
from hadron.llm.structured import Structured, parse_reply, reask_message, shape_of
from hadron.llm.types import Accept, ChatRequest, Completion, Message

T = TypeVar("T")


class Completer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def supports_schema(self) -> bool: ...

    @property
    def supports_tools(self) -> bool: ...

    async def complete(self, request: ChatRequest, route_key: str | None = None, *,
                       accept: Accept | None = None) -> Completion: ...


def as_messages(messages: str | list[Message]) -> list[Message]:
    return [{"role": "user", "content": messages}] if isinstance(messages, str) else list(messages)


class ChatModel:
    def __init__(self, completer: Completer, meter: Meter) -> None:
        self.completer = completer
        self.meter = meter

    @property
    def name(self) -> str:
        return self.completer.name

    @property
    def supports_schema(self) -> bool:
        return self.completer.supports_schema

    @property
    def supports_tools(self) -> bool:
        return self.completer.supports_tools

    def __repr__(self) -> str:
        return f"ChatModel({self.name!r})"

    async def chat(self, messages: str | list[Message], *, role: str = "default",
                   route_key: str | None = None, temperature: float | None = None,
                   max_tokens: int | None = None, top_p: float | None = None, seed: int | None = None,
                   sample_index: int = 0, stop: list[str] | None = None,
                   tools: list[dict[str, Any]] | None = None,
                   tool_choice: str | dict[str, Any] | None = None,
                   response_format: dict[str, Any] | None = None,
                   extra_body: dict[str, Any] | None = None, reask: bool = False,
                   accept: Accept | None = None) -> Completion:
        """One call; raises ``LLMError`` (RetriesExhausted or Rejected) when it cannot be answered.

        ``reask``: this call asks again after an unusable answer (counted in the meter's ``reasks``).
        ``accept``: the caller's check of the answer; one it refuses is never cached, so a retry or a
        rerun asks the model again instead of replaying it."""
        request = ChatRequest(messages=as_messages(messages), temperature=temperature,
                              max_tokens=max_tokens, top_p=top_p, seed=seed, stop=stop,
                              response_format=response_format, tools=tools, tool_choice=tool_choice,
                              sample_index=sample_index, extra_body=dict(extra_body or {}))
        return await self.complete(request, role=role, route_key=route_key, reask=reask, accept=accept)

    async def complete(self, request: ChatRequest, *, role: str = "default", route_key: str | None = None,
                       reask: bool = False, accept: Accept | None = None) -> Completion:
        """Send a prepared request and record it in the meter under ``role`` and row ``route_key``."""
        start = time.perf_counter()
        try:
            completion = await self.completer.complete(request, route_key, accept=accept)
        except LLMError as err:
            self.meter.add(Tally.of_error(err, seconds=time.perf_counter() - start), role=role,
                           model=self.name, row=route_key)
            raise
        self.meter.add(Tally.of(completion, reask=reask), role=role,
                       model=completion.served_by or self.name, row=route_key)
        return completion

    async def chat_json(self, messages: str | list[Message], schema: type[T], *, max_reasks: int = 2,
                        role: str = "default", route_key: str | None = None,
                        temperature: float | None = None, max_tokens: int | None = None,
                        seed: int | None = None, sample_index: int = 0,
                        extra_body: dict[str, Any] | None = None) -> Structured[T]:
        """Ask for a value of type ``schema``; re-ask with the validation error until it parses.

        Uses schema-constrained decoding when the backend supports it (and still validates). Never
        raises for an unusable answer: ``Structured.value`` is None and ``error`` says why. An answer
        that does not validate is never cached, so a rerun asks again rather than replaying it.
        """
        shape = shape_of(schema)
        adapter: TypeAdapter[T] = shape.adapter

        def parses(completion: Completion) -> bool:
            try:
                parse_reply(completion.text, adapter)
            except ValueError:
                return False
            return True

        fmt = shape.response_format if self.supports_schema else None
        conversation = as_messages(messages)
        result: Structured[T] = Structured(value=None)
        for ask in range(max_reasks + 1):
            request = ChatRequest(messages=conversation, temperature=temperature, max_tokens=max_tokens,
                                  seed=seed, sample_index=sample_index, response_format=fmt,
                                  extra_body=dict(extra_body or {}))
            completion = await self.complete(request, role=role, route_key=route_key, reask=ask > 0,
                                             accept=parses)
            result.completions.append(completion)
            try:
                result.value = parse_reply(completion.text, adapter)
            except ValueError as err:
                result.error = str(err)
            else:
                result.error = None
                return result
            if ask < max_reasks:
                result.reasks += 1
                conversation = [*conversation, {"role": "assistant", "content": completion.text},
                                reask_message(result.error, adapter, schema_text=shape.json_schema_text)]
        return result

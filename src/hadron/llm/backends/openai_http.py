"""Any OpenAI-compatible server (OpenAI, OpenRouter, Ollama, vLLM, llama.cpp, mlx_lm) over aiohttp.

The hot path is one pooled ``aiohttp.ClientSession`` per backend posting to ``/chat/completions``;
the openai SDK costs ~10x more CPU per request (DESIGN.md §3). Every failure is mapped here, by HTTP
status and exception type only, onto ``hadron.llm.errors``; the layers above never see aiohttp.
"""

from __future__ import annotations

import json
import os
import time
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from hadron.errors import ConfigError
from hadron.llm.backends.params import ParamAdapter, refused_param
from hadron.llm.config import ModelConfig
from hadron.llm.errors import (
    Disconnected,
    FormatRefused,
    LLMError,
    MalformedResponse,
    MemberFatal,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
)
from hadron.llm.reasoning import join_reasoning, split_reasoning
from hadron.llm.types import ChatRequest, Completion, TokenUsage
from hadron.redact import register_secret_env

_HINTS = {
    401: "check the API key in {var}",
    403: "check the API key in {var} and the account's access to this model",
    404: "check the model name / base URL",
}
"""What to fix for a rejection; ``{var}`` is the API key variable's name."""


FATAL_STATUSES = frozenset({401, 403, 404})
"""Bad key, no access, unknown model or URL: no request to this endpoint can succeed."""
REFUSAL_STATUSES = frozenset({400, 422})
"""What a server answers to a request field it does not take."""


def format_refused(status: int, body: bytes, request: ChatRequest) -> bool:
    """Did the server refuse the request's structured-output format?

    A 400 or 422 to a request that carried one. The single exception to "typed errors, never message
    text": llama-cpp-python's server validates ``response_format`` after routing and answers a
    ``json_schema`` type with HTTP 500 whose body names ``response_format`` (seen with 0.3.x:
    ``response_format.type: Input should be 'text' or 'json_object'``); that 500 is a refusal too,
    never a transient failure."""
    if request.response_format is None and "grammar" not in request.extra_body:
        return False
    if status in REFUSAL_STATUSES:
        return True
    return status == 500 and b"response_format" in body


class OpenAIHTTPBackend:
    supports_schema = True
    supports_tools = True
    structured_modes = ("json_schema", "json_object", "grammar", "none")
    """Every mode: the server's answer decides (``hadron.llm.formats``)."""
    enforces_timeout = True
    """aiohttp's ``ClientTimeout(total=timeout_s)`` covers the whole call, reading the body included."""

    def __init__(self, config: ModelConfig) -> None:
        if not config.base_url:
            raise ConfigError(f"model {config.name!r} needs a base_url (http(s)://host:port/v1#MODEL)")
        self.config = config
        self.endpoint = config.base_url.rstrip("/")
        self.url = f"{self.endpoint}/chat/completions"
        self._headers = {"Content-Type": "application/json"}
        if config.api_key_env:
            register_secret_env(config.api_key_env)
            key = os.environ.get(config.api_key_env)
            if not key:
                raise ConfigError(f"model {config.name!r} needs an API key in the environment variable "
                                  f"{config.api_key_env}, which is not set")
            self._headers["Authorization"] = f"Bearer {key}"
        self._session: aiohttp.ClientSession | None = None
        self.params = ParamAdapter(config.name)
        """Request fields this model refused (``max_tokens`` on OpenAI's reasoning models, ...)."""

    def _client(self) -> aiohttp.ClientSession:
        """The pooled session, created inside the running loop on first use."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.config.max_concurrency, ttl_dns_cache=300)
            timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout,
                                                  headers=self._headers, raise_for_status=False)
        return self._session

    async def complete(self, request: ChatRequest) -> Completion:
        sent = self.params.apply(request.to_openai())
        try:
            while True:
                async with self._client().post(self.url, json=sent) as response:
                    body = await response.read()
                    if response.status == 200:
                        break
                    param = refused_param(response.status, body)
                    if param is None or not self.params.learn(param, sent):
                        raise self._status_error(response.status, response.headers, body, request)
                sent = self.params.apply(sent)  # the same request without what the model refused
        except LLMError:
            raise
        except TimeoutError as err:  # asyncio's and aiohttp's (ServerTimeoutError) timeouts alike
            raise Timeout(f"{self.config.name}: no answer within {self.config.timeout_s:g} s") from err
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as err:
            raise Disconnected(f"{self.config.name}: {type(err).__name__}: {err}") from err
        except aiohttp.InvalidURL as err:
            raise ConfigError(f"model {self.config.name!r} has an invalid URL: {self.url}") from err
        except aiohttp.ClientError as err:
            raise Disconnected(f"{self.config.name}: {type(err).__name__}: {err}") from err
        return parse_completion(body, request.model, self.endpoint)

    def _status_error(self, status: int, headers: Any, body: bytes, request: ChatRequest) -> LLMError:
        detail = _error_detail(body)
        where = f"{self.config.name}: HTTP {status}"
        if format_refused(status, body, request):
            return FormatRefused(f"{where} rejected a request carrying a structured-output format{detail}",
                                 status=status)
        if status == 429:
            return RateLimited(f"{where} rate limited{detail}", retry_after=retry_after(headers))
        if status >= 500:
            return ServerError(f"{where}{detail}", status=status)
        if status == 408:
            return Timeout(f"{where} request timeout{detail}")
        hint = _HINTS.get(status)
        if hint is not None:
            env = self.config.api_key_env
            hint = hint.format(var=f"${env}" if env else "the server's settings")
        error = MemberFatal if status in FATAL_STATUSES else Rejected
        return error(f"{where} rejected the request{detail}", status=status, hint=hint)

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``Retry-After`` seconds, or a ``Retry-After`` HTTP-date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _error_detail(body: bytes) -> str:
    """The server's own error message, short, for the exception text."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
    else:
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = data[0]  # Google's OpenAI-compatible endpoint wraps its error in a list
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        text = str(message if message is not None else data)
    text = " ".join(text.split())  # one line: servers put tracebacks in their error bodies
    return f": {text[:300]}" if text else ""


def parse_completion(body: bytes, model: str, name: str) -> Completion:
    """A chat-completions body as a Completion; anything unexpected is MalformedResponse naming
    ``name`` (the endpoint) and what was wrong, in one line."""
    try:
        data = json.loads(body)
    except ValueError as err:
        raise MalformedResponse(f"{name}: the body is not JSON ({len(body)} bytes)") from err
    if not isinstance(data, dict):
        raise MalformedResponse(f"{name}: the body is JSON but not a chat completion "
                                f"(a {type(data).__name__})")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        keys = ", ".join(sorted(map(str, data))[:6]) or "none"
        raise MalformedResponse(f"{name}: the body is not a chat completion: no choices (keys: {keys})")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise MalformedResponse(f"{name}: the first choice has no message")
    text, think = split_reasoning(message.get("content") or "")
    field = message.get("reasoning_content") or message.get("reasoning")
    usage = data.get("usage") or {}
    if not isinstance(usage, dict):
        raise MalformedResponse(f"{name}: the completion's usage is not an object")
    return Completion(
        text=text,
        model=str(data.get("model") or model),
        reasoning=join_reasoning(field if isinstance(field, str) else None, think),
        usage=TokenUsage(prompt_tokens=int(usage.get("prompt_tokens") or 0),
                         completion_tokens=int(usage.get("completion_tokens") or 0)),
        finish_reason=choices[0].get("finish_reason"),
        tool_calls=message.get("tool_calls") or None,
    )


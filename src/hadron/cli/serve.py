"""``hadron serve``: the embedded model (or any GGUF) as an OpenAI-compatible server on 127.0.0.1.

It runs llama-cpp-python's own server, so Hadron's HTTP client path, the ``openai`` SDK and any other
OpenAI-compatible tool can talk to the model that ships with Hadron, with nothing downloaded.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import typer

from hadron.cli._app import app, console
from hadron.errors import ConfigError

DEFAULT_ALIAS = "smollm2"
"""The served name of the embedded model: ``http://127.0.0.1:8000/v1#smollm2`` is a model spec."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@app.command()
def serve(
    model: str = typer.Option("local", "--model", "-m",
                              help="'local' for the embedded SmolLM2-135M-Instruct, or a .gguf file."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    n_ctx: int = typer.Option(8192, "--n-ctx", min=64, help="Context size in tokens."),
    threads: int | None = typer.Option(None, "--threads", min=1,
                                       help="CPU threads [default: $HADRON_LOCAL_THREADS or every core]."),
    alias: str | None = typer.Option(None, "--alias",
                                     help="Served model name [default: smollm2, or the file's stem]."),
) -> None:
    """Serve a local model as an OpenAI-compatible HTTP server (the spec to use is printed)."""
    from hadron.llm.backends.local import default_threads, require_llama_cpp, resolve_model_path

    _check_port_free(host, port)
    require_llama_cpp()
    file = model.removeprefix("local:") if model != "local" else None  # the spec form works too
    path = resolve_model_path(file)
    name = alias or (path.stem if file else DEFAULT_ALIAS)
    asgi = build_app(path, name, n_ctx=n_ctx, n_threads=threads or default_threads())
    base_url = f"http://{host}:{port}/v1"
    console.print(f"serving {path.name} as [bold]{name}[/] on {base_url}  (model spec: {base_url}#{name})",
                  highlight=False, soft_wrap=True)

    import uvicorn

    uvicorn.run(asgi, host=host, port=port, log_level="warning")


def build_app(path: Path, alias: str, *, n_ctx: int, n_threads: int) -> ASGIApp:
    """llama-cpp-python's FastAPI app for one model, configured only by these arguments."""
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

    class ArgumentsOnly(BaseSettings):
        """Ignore the environment: llama-cpp's settings would read $API_KEY, $N_CTX, ... from it."""

        @classmethod
        def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    class Server(ArgumentsOnly, ServerSettings):
        pass

    class Model(ArgumentsOnly, ModelSettings):
        pass

    model = Model(model=str(path), model_alias=alias, n_ctx=n_ctx, n_threads=n_threads,
                  n_threads_batch=n_threads, logits_all=False, verbose=False)
    try:
        llama_app = create_app(server_settings=Server(), model_settings=[model])
    except ValueError as err:  # llama-cpp's error for a file it cannot load
        raise ConfigError(f"cannot load model file {path}: {err}") from err
    return OpenAIRequests(llama_app)


class OpenAIRequests:
    """Accept what today's OpenAI clients send and llama-cpp's server does not take (``rewrite_request``):
    ``response_format: {"type": "json_schema", ...}``, which it refuses, and ``max_completion_tokens``,
    which it ignores (the answer would run to the context's end)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(
                "/chat/completions"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = rewrite_request(b"".join(chunks))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        headers = [(key, value) for key, value in scope["headers"] if key.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": headers}, replay, send)


def rewrite_request(body: bytes) -> bytes:
    """The request body in llama-cpp's terms: a ``json_schema`` response format as its ``{"type":
    "json_object", "schema": ...}`` (the same grammar-constrained decoding), ``max_completion_tokens``
    (OpenAI's current name) as ``max_tokens``; anything else unchanged."""
    from hadron.llm.backends.local import llama_response_format

    try:
        request = json.loads(body)
    except ValueError:
        return body  # let the server answer the malformed body itself
    if not isinstance(request, dict):
        return body
    changed = False
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        request["response_format"] = llama_response_format(fmt)
        changed = True
    if "max_completion_tokens" in request:
        cap = request.pop("max_completion_tokens")
        request.setdefault("max_tokens", cap)
        changed = True
    return json.dumps(request).encode() if changed else body


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as err:
            raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror}",
                              hint="pick another --port") from err

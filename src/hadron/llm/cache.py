"""The request cache, which is also how runs resume (DESIGN.md §2, rule 2).

SQLite in WAL mode, one row per answered request: ``ChatRequest.cache_key()`` -> Completion as JSON.
Every write commits at once, so a killed run loses nothing it was answered. All SQLite work runs on
one private worker thread: the event loop never blocks on disk and the connection is never shared
between threads. The request holds no API key, so neither does the cache.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from hadron.llm.types import ChatRequest, Completion

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    completion TEXT NOT NULL,
    created REAL NOT NULL
)
"""


class RequestCache:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hadron-cache")
        self._conn: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            conn.commit()
            self._conn = conn
        return self._conn

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _get(self, key: str) -> str | None:
        query = "SELECT completion FROM completions WHERE key = ?"
        row = self._connection().execute(query, (key,)).fetchone()
        return None if row is None else str(row[0])

    def _put(self, key: str, model: str, payload: str) -> None:
        conn = self._connection()
        conn.execute("INSERT OR REPLACE INTO completions (key, model, completion, created) "
                     "VALUES (?, ?, ?, ?)", (key, model, payload, time.time()))
        conn.commit()

    async def get(self, request: ChatRequest) -> Completion | None:
        payload = await self._run(self._get, request.cache_key())
        if payload is None:
            self.misses += 1
            return None
        self.hits += 1
        completion = Completion.from_dict(json.loads(payload))
        completion.cached = True
        return completion

    async def put(self, request: ChatRequest, completion: Completion) -> None:
        data = completion.to_dict()
        data["cached"] = False
        await self._run(self._put, request.cache_key(), request.model, json.dumps(data, ensure_ascii=False))

    def _count(self) -> int:
        return int(self._connection().execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    async def count(self) -> int:
        """How many answers are stored."""
        result: int = await self._run(self._count)
        return result

    async def aclose(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await self._run(close)
        self._executor.shutdown(wait=True)

"""Run gepa's synchronous loop in a worker thread while every model call stays on the one event loop.

gepa calls ``adapter.evaluate`` and the reflection LM synchronously. Rather than start an event loop per
call (which would strand the model layer's connections, limiters and cache on dead loops), gepa runs in
``asyncio.to_thread`` and each sync call hands its coroutine back to the main loop with
``run_coroutine_threadsafe``, then blocks its own thread (never the loop) until the answer is in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from hadron.errors import HadronError

T = TypeVar("T")


class RunCancelled(HadronError):
    """The run was cancelled (Ctrl-C, or the awaiting task was cancelled) while gepa was working."""

    def __init__(self) -> None:
        super().__init__("the distillation run was cancelled")


class LoopBridge:
    """Submits coroutines from a worker thread to ``loop`` and waits for them, cancellably."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, poll_seconds: float = 0.25) -> None:
        self.loop = loop
        self.poll_seconds = poll_seconds
        self.cancelled = threading.Event()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and return its result; raises what it raised, or ``RunCancelled``."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            coro.close()
            raise RuntimeError("LoopBridge.run called on the loop's own thread; it would deadlock")
        if self.cancelled.is_set():
            coro.close()
            raise RunCancelled
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        while True:
            try:
                return future.result(timeout=self.poll_seconds)
            except concurrent.futures.TimeoutError:
                if self.cancelled.is_set():
                    future.cancel()
                    raise RunCancelled from None
            except concurrent.futures.CancelledError:  # the loop cancelled it (shutting down)
                raise RunCancelled from None

    def cancel(self) -> None:
        """Make the worker's current and next ``run`` raise, so the thread ends promptly."""
        self.cancelled.set()

    async def call_in_worker(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args)`` in a worker thread; cancelling the awaiting task also unblocks the worker."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except asyncio.CancelledError:
            self.cancel()
            raise

from __future__ import annotations

import asyncio
import threading

import pytest

from hadron.distill.bridge import LoopBridge, RunCancelled


async def test_worker_runs_coroutines_on_the_calling_loop() -> None:
    loop = asyncio.get_running_loop()
    bridge = LoopBridge(loop)

    async def where() -> tuple[asyncio.AbstractEventLoop, int]:
        return asyncio.get_running_loop(), threading.get_ident()

    def work() -> list[tuple[asyncio.AbstractEventLoop, int]]:
        return [bridge.run(where()) for _ in range(3)]

    results = await bridge.call_in_worker(work)
    assert all(found is loop and ident == threading.get_ident() for found, ident in results)


async def test_run_on_the_loop_thread_is_refused() -> None:
    bridge = LoopBridge(asyncio.get_running_loop())
    with pytest.raises(RuntimeError, match="deadlock"):
        bridge.run(asyncio.sleep(0))


async def test_cancelling_the_awaiting_task_unblocks_the_worker() -> None:
    bridge = LoopBridge(asyncio.get_running_loop(), poll_seconds=0.01)
    outcome: list[str] = []

    def work() -> None:
        try:
            bridge.run(asyncio.sleep(30))
        except RunCancelled:
            outcome.append("cancelled")
            raise

    task = asyncio.create_task(bridge.call_in_worker(work))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if outcome:
            break
        await asyncio.sleep(0.01)
    assert outcome == ["cancelled"]
    with pytest.raises(RunCancelled):
        await asyncio.to_thread(bridge.run, asyncio.sleep(0))

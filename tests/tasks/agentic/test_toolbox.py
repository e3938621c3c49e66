"""Built-in tools run off the event loop with a time limit: a stuck call cannot stall other episodes."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import ClassVar

from pydantic import BaseModel

from hadron.tasks.agentic.envs.base import Environment, tool
from hadron.tasks.agentic.envs.machine import TerminalState
from hadron.tasks.agentic.envs.terminal import TerminalEnv
from hadron.tasks.agentic.scenario import ToolSpec
from hadron.tasks.agentic.toolbox import ToolBox


class _Slow(Environment):
    family: ClassVar[str] = "slow-test"
    State: ClassVar[type[BaseModel]] = TerminalState
    release = threading.Event()

    @tool("Blocks until released.", {"type": "object", "properties": {}})
    def wait(self) -> str:
        self.release.wait(5)
        return "released"

    @tool("Answers at once.", {"type": "object", "properties": {}})
    def ping(self) -> str:
        return "pong"


def _box(env: Environment, timeout_s: float) -> ToolBox:
    specs = [
        ToolSpec(name=t.name, description=t.description, parameters=t.parameters) for t in env.tools.values()
    ]
    return ToolBox(env, specs, None, timeout_s=timeout_s)


async def test_a_call_past_its_limit_answers_an_error_and_the_loop_runs_on() -> None:
    env = _Slow(TerminalState())
    box = _box(env, 0.3)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    outcome = await box.call("wait", {})
    assert outcome.result.is_error and "timed out after 0.3s" in outcome.result.content
    assert time.monotonic() - started < 4  # the tool itself blocks for 5 s
    assert ticks >= 3  # the event loop was free while the tool ran
    env.release.set()
    assert (await box.call("ping", {})).result.content == "pong"  # waits for the stuck call, then runs
    task.cancel()


async def test_a_catastrophic_grep_in_an_episode_does_not_stall() -> None:
    env = TerminalEnv(TerminalState(files={"/root/x.txt": "a" * 40 + "\n"}))
    box = _box(env, 30)  # generous: the machine may be loaded; a stall would take minutes
    started = time.monotonic()
    for pattern in ("(a+)+b", "(a|aa|aaa|a*)*(b|c)$"):
        outcome = await box.call("run_command", {"command": f'grep -E "{pattern}" /root/x.txt'})
        assert not outcome.result.is_error
    assert time.monotonic() - started < 10

"""The runs whose exports the consumer tests feed to the trainers.

- ``recorded/<task>/``: rows of runs made with the embedded SmolLM2 model through the real commands
  (``hadron autoreason``, ``hadron agentic``, ``hadron nanoflux``; see ``recorded/README.md``), copied
  here so every test run exports them with the current code without spending minutes of model time.
- ``scripted_autoreason``: the real pipeline and tournament with a scripted model whose roles write
  ``<think>`` reasoning, so CoT and every pair kind are present deterministically.
- ``fixture``: the hand-written rows of ``tests/data/exports/fixtures`` (a tool-calling conversation).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hadron.llm.types import ChatRequest, Completion
from hadron.runtime.pipeline import Pipeline
from hadron.tasks.autoreason.step import AutoReason
from hadron.testing import register_scripted, unregister_scripted

from ..conftest import fixture_rows, make_run

RECORDED = Path(__file__).parent / "recorded"
PROMPTS = [{"id": "arrive", "prompt": "A train leaves at 3:40 pm and takes 85 minutes. When does it arrive?"},
           {"id": "snow", "prompt": "Write a haiku about the first snow.", "system": "Answer in English."}]


def recorded(task: str, root: Path) -> Path:
    return Path(shutil.copytree(RECORDED / task, root / f"recorded-{task}"))


def fixture(root: Path) -> Path:
    return make_run(root / "fixture", fixture_rows())


_BLOCK = re.compile(r"^BEGIN (X\d+)\n(.*?)\nEND \1$", re.DOTALL | re.MULTILINE)
PASS_RANKINGS = {
    1: [["beta-1", "alpha", "gamma-1"]] * 3,  # B wins clearly; A beats AB
    2: [["beta-1", "beta-2", "gamma-2"], ["beta-2", "gamma-2", "beta-1"], ["gamma-2", "beta-1", "beta-2"]],
}  # pass 2 is a Borda cycle: all tie, the incumbent keeps it with margin 0


class Tournament:
    """Roles that write ``<think>`` reasoning, and judges that follow ``PASS_RANKINGS``."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, request: ChatRequest) -> str:
        first = next(m["content"] for m in request.messages if m["role"] == "user")
        key = "\n".join(str(m["content"]) for m in request.messages)
        if "responses to the same task from best to worst" in first:
            shown = dict(_BLOCK.findall(first))
            texts = list(shown.values())
            passes = 2 if any("beta-2" in text for text in texts) else 1
            order = PASS_RANKINGS[passes][request.sample_index % 3]
            labels = sorted(shown, key=lambda label: next(
                (i for i, word in enumerate(order) if word in shown[label]), 9))
            return "Reasons.\nRANKING: " + ", ".join(labels)
        role = ("critic" if "List the real problems in the response" in first else
                "author_b" if "A reviewer found these problems" in first else
                "synth" if "two responses to this task" in first or "Repair the response" in first else
                "teacher")
        self.calls[role] += 1
        n = 2 if "beta-1" in key else 1  # pass 2 revises pass 1's winner
        return {"teacher": "<think>plan the answer</think>alpha",
                "critic": f"<think>look for errors</think>- point {n} is vague",
                "author_b": f"<think>fix point {n}</think>beta-{n}",
                "synth": f"<think>merge both {n}</think>gamma-{n}"}[role]


async def scripted_autoreason(root: Path, roles: Callable[[ChatRequest], str | Completion] | None = None,
                              name: str = "scripted") -> Path:
    """The tournament over ``PROMPTS`` with ``roles`` (default ``Tournament()``) in ``root / name``."""
    register_scripted(name, roles or Tournament())
    try:
        step = AutoReason(model=f"scripted:{name}", max_passes=2)
        await Pipeline(PROMPTS, [step]).run(root / name, progress="quiet")
    finally:
        unregister_scripted(name)
    return root / name

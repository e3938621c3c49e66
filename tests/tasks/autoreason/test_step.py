from __future__ import annotations

from collections.abc import Callable

import pytest

from hadron.tasks.autoreason.errors import EmptyPrompt
from hadron.tasks.autoreason.step import OUTPUT_COLUMNS, AutoReason

from .fakes import Ctx, FakeSetup


async def test_step_adds_the_row_columns(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models()
    step = AutoReason(model=setup.spec, n_judges=3, synthesis="minimal_repair")
    assert step.inputs == () and step.outputs == OUTPUT_COLUMNS  # reads prompt or messages, row by row
    assert AutoReason(model=setup.spec, input="question").inputs == ("question",)
    async with setup.hub() as hub:
        await step.setup(hub)
        row = await step.process({"id": "r1", "prompt": "Explain TCP.", "topic": "net"}, Ctx("r1", hub))
    assert isinstance(row, dict)
    assert row["id"] == "r1" and row["topic"] == "net" and row["method"] == "autoreason"
    assert row["final_source"] == {"candidate": "A", "pass": 0, "index": None}
    assert row["settings"]["synthesis"] == "minimal_repair"


async def test_step_options_round_trip_and_bad_rows(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models()
    step = AutoReason("refine", model=setup.spec, judge={"models": [setup.spec]}, input="question")
    config = step.config()
    assert config["kind"] == "autoreason" and config["input"] == "question"
    again = AutoReason.from_options("refine", AutoReason.Options(**{k: v for k, v in config.items()
                                                                    if k not in ("kind", "name")}))
    assert again.config() == config
    async with setup.hub() as hub:
        with pytest.raises(EmptyPrompt):
            await again.process({"id": "r2", "question": ""}, Ctx("r2", hub))

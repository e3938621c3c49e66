"""The judge's python tool runs through hadron.sandbox, and refuses to start where no boundary exists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hadron.sandbox import SandboxUnavailable, check, layers
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.step import NanoFluxStep, RoundSource
from hadron.tasks.nanoflux.tools import PythonTool, build_tools


def config(**sandbox: object) -> NanoFluxConfig:
    return NanoFluxConfig.model_validate({"domains": ["math"], "sandbox": {"wall_seconds": 5, **sandbox}})


async def test_the_tool_checks_arithmetic_inside_the_boundary() -> None:
    if not check().available:
        pytest.skip(check().reason)
    tool = build_tools(["python"], config())["python"]
    output = await tool.run({"code": "from fractions import Fraction\nFraction(3, 4) * 8"})
    assert (output.text, output.error_kind) == ("value: Fraction(6, 1)", None)
    escape = await tool.run({"code": "import socket\nsocket.socket()"})
    assert escape.error_kind == "refused" and "Operation not permitted" in escape.text


@pytest.fixture
def no_boundary(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(layers, "find_bwrap", lambda: None)
    check.cache_clear()
    yield
    check.cache_clear()


def test_no_boundary_refuses_the_run_before_it_starts(no_boundary: None) -> None:
    with pytest.raises(SandboxUnavailable, match="needs an OS sandbox"):
        PythonTool.from_config(config())


async def test_unsafe_sandbox_runs_and_the_manifest_source_warns(no_boundary: None) -> None:
    settings = config(unsafe=True)
    tool = PythonTool.from_config(settings)
    output = await tool.run({"code": "6 * 7"})
    assert output.text == "value: 42"
    described = RoundSource(NanoFluxStep("nanoflux", **settings.model_dump())).describe()
    assert described["sandbox"]["unsafe"] is True
    assert described["sandbox"]["warning"].startswith("UNSAFE")

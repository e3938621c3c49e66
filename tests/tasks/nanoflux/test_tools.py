"""The judge's python tool runs through hadron.sandbox, and refuses to start where no boundary exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.sandbox import SandboxUnavailable, check
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


async def test_an_unsafe_run_records_the_warning_in_its_manifest(no_boundary: None, scripted,
                                                                  tmp_path: Path) -> None:
    from hadron.tasks.nanoflux.run import run_step

    from .conftest import Fake, FakeEmbedder, Round, tool_call

    spec = scripted(Fake(rounds={0: Round(check=[tool_call("6 * 7"), "42 holds"])}), tools=True)
    settings = NanoFluxConfig.model_validate({
        "domains": ["math"], "per_domain": 1, "pool_factor": 1, "max_rounds": 1, "concurrency": 1,
        "attacker": {"model": spec}, "defender": {"model": spec}, "judge": {"model": spec},
        "sandbox": {"wall_seconds": 5, "unsafe": True}})
    out = tmp_path / "run"
    await run_step(NanoFluxStep("nanoflux", embed_with=FakeEmbedder(), **settings.model_dump()), out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"]["sandbox"]["unsafe"] is True
    assert manifest["source"]["sandbox"]["warning"].startswith("UNSAFE")
    [row] = [json.loads(line) for p in (out / "data").glob("part-*.jsonl")
             for line in p.read_text().splitlines()]
    assert row["tool_evidence"][0]["output"] == "value: 42"

"""Pool, verify, select and sweep through ``hadron nanoflux`` with scripted models; the judge's code runs
in the real sandbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hadron.cli import app, main

from .conftest import GOOD_VERDICT, Fake, Round

COMPUTES_42 = "```python\nx = 6 * 7\nprint(x)\n```"
COMPUTES_41 = "```python\nx = 6 * 7 - 1\nprint(x)\n```"


pytestmark = pytest.mark.usefixtures("fake_embedder")


def args(spec: str, out: Path, *extra: str) -> list[str]:
    return ["nanoflux", "--domains", "math", "--attacker", spec, "--defender", spec, "--judge", spec,
            "--embedder", "fake:", "--concurrency", "1", "--out", str(out), "--quiet", *extra]


def rows(out: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((out / "data").glob("part-*.jsonl"))
            for line in path.read_text().splitlines()]


def judge_checks(n: int) -> Round:
    """Round ``n``: the judge's code reproduces the reference (42) in even rounds, not in odd ones."""
    code = COMPUTES_42 if n % 2 == 0 else COMPUTES_41
    return Round(check=[code, "Checked with the tool."],
                 verdict={**GOOD_VERDICT, "reasoning_quality": 3 + n % 3})


def test_a_pool_is_selected_by_the_objective_and_only_the_selection_is_exported(scripted,
                                                                                tmp_path: Path) -> None:
    fake = Fake(rounds={n: judge_checks(n) for n in range(8)})
    out = tmp_path / "run"
    result = CliRunner().invoke(app, args(scripted(fake, tools=False), out, "--per-domain", "2",
                                          "--pool-factor", "3", "--max-rounds", "8"))
    assert result.exit_code == 0, result.output
    pooled = rows(out)
    assert len(pooled) == 6  # the pool: 3 x 2, then the rounds stop
    by_id = {row["id"]: row for row in pooled}
    assert {row["verified"] for row in pooled} == {True, False}
    assert by_id["math/r00000"]["verification"]["matched"]["number"] == "42"
    assert by_id["math/r00001"]["verification"]["why"] == "no tool output reproduced the reference"
    selection = [json.loads(line) for line in (out / "selection.jsonl").read_text().splitlines()]
    selected = [line["id"] for line in selection if line["selected"]]
    assert len(selection) == 6 and len(selected) == 2
    assert all(by_id[row_id]["verified"] is True for row_id in selected)  # verified beats unverified
    assert all(line["why"] for line in selection)
    sft = [json.loads(line) for line in (out / "exports" / "sft.trl.jsonl").read_text().splitlines()]
    assert sorted(record["messages"][0]["content"] for record in sft) == sorted(
        by_id[row_id]["question"] for row_id in selected)
    assert "selected" in result.output and "2 (math 2/2)" in result.output

    from hadron.qa.report import write_report

    html = write_report(out).read_text()
    assert "Selection from the pool" in html and selected[0] in html


def test_require_verified_pools_only_reproduced_answers(scripted, tmp_path: Path) -> None:
    fake = Fake(rounds={n: judge_checks(n) for n in range(6)})
    out = tmp_path / "run"
    result = CliRunner().invoke(app, args(scripted(fake, tools=False), out, "--per-domain", "1",
                                          "--pool-factor", "2", "--max-rounds", "6", "--require-verified"))
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in rows(out)] == ["math/r00000", "math/r00002"]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert {r["id"] for r in rejects if r["reason"] == "not_verified"} == {"math/r00001"}


def test_a_sweep_writes_a_table_and_plot_per_band(scripted, tmp_path: Path) -> None:
    fake = Fake(rounds={n: judge_checks(n) for n in range(6)})  # every verdict says 3 hops
    out = tmp_path / "sweep"
    spec = scripted(fake, tools=False)
    result = CliRunner().invoke(app, ["nanoflux", "sweep", "--bands", "1-3,4-8", "--domains", "math",
                                      "--per-domain", "1", "--pool-factor", "2", "--max-rounds", "3",
                                      "--attacker", spec, "--defender", spec, "--judge", spec,
                                      "--embedder", "fake:", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = json.loads((out / "sweep.json").read_text())
    assert table["bands"] == ["h1-3-l2-3", "h4-8-l2-3"]
    inside, outside = table["results"]
    assert (inside["accepted"], inside["verified_rate"], inside["mean_hops"]) == (1, 1.0, 3.0)
    assert (outside["accepted"], outside["verified_rate"]) == (0, None)  # 3 hops is out of 4-8
    assert inside["defender_failure_rate"] == outside["defender_failure_rate"] == 1.0
    assert (out / "sweep.csv").read_text().splitlines()[0].startswith("band,domain,pooled,accepted")
    svg = (out / "sweep.svg").read_text()
    assert svg.startswith("<svg") and "math: verified rate" in svg and "h4-8-l2-3" in svg

    from hadron.qa.report import write_report

    html = write_report(out / "h1-3-l2-3").read_text()
    assert "Complexity band sweep" in html and "h4-8-l2-3" in html


def test_novelty_without_the_embed_extra_stops_before_the_first_call(
        scripted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake = Fake()
    spec = scripted(fake)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if the extra were not installed
    out = tmp_path / "run"
    monkeypatch.setattr(sys, "argv", ["hadron", *args(spec, out)[:-5], "--embedder", "local", "--out",
                                      str(out), "--quiet"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "sentence_transformers" in err and "hadron-distill[embed]" in err
    assert fake.log == [] and not (out / "data").exists()

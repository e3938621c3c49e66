"""``hadron nanoflux``: a run with scripted models, resume, and bad input as one error line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hadron.cli import app, main

from .conftest import GOOD_VERDICT, Fake, Round

pytestmark = pytest.mark.usefixtures("fake_embedder")


def args(spec: str, out: Path, *extra: str) -> list[str]:
    return ["nanoflux", "--domains", "math,science", "--per-domain", "2", "--pool-factor", "1",
            "--attacker", spec,
            "--defender", spec, "--judge", spec, "--embedder", "fake:", "--max-rounds", "4",
            "--out", str(out), "--quiet", *extra]


def test_a_run_writes_data_rejects_and_sft_exports(scripted, tmp_path: Path) -> None:
    fake = Fake(rounds={1: Round(verdict={**GOOD_VERDICT, "valid": False})})
    spec = scripted(fake)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, args(spec, out, "--concurrency", "1"))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for path in sorted((out / "data").glob("part-*.jsonl"))
            for line in path.read_text().splitlines()]
    assert sorted(r["id"] for r in rows) == ["math/r00000", "math/r00002", "science/r00000",
                                             "science/r00002"]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert {r["reason"] for r in rejects} <= {"invalid_question", "budget_reached"}
    invalid = {r["id"] for r in rejects if r["reason"] == "invalid_question"}
    assert invalid == {"math/r00001", "science/r00001"}
    sft = [json.loads(line) for line in (out / "exports" / "sft.trl.jsonl").read_text().splitlines()]
    assert len(sft) == 4 and sft[0]["messages"][0]["role"] == "user"
    assert (out / "exports" / "sft.openai.jsonl").exists()
    assert (out / "exports" / "sft.sharegpt.jsonl").exists()
    assert "selected" in result.output and "invalid_question" in result.output

    again = CliRunner().invoke(app, args(spec, out, "--concurrency", "1"))
    assert again.exit_code == 0, again.output
    assert "4 pooled question(s) restored" in again.output and "already full" in again.output


def test_an_unknown_domain_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["hadron", "nanoflux", "--domains", "math,astrology",
                                      "--out", str(tmp_path / "run")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown domain 'astrology'" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_a_bad_config_file_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "nanoflux.yaml"
    config.write_text("band: {hops: [9, 2]}\n")
    monkeypatch.setattr(sys, "argv", ["hadron", "nanoflux", "--config", str(config), "--out",
                                      str(tmp_path / "run")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "band.hops" in err and "Traceback" not in err


def test_the_example_config_is_valid() -> None:
    from hadron.cli.nanoflux import build_config

    example = Path(__file__).parents[3] / "examples" / "nanoflux.yaml"
    settings = build_config(example, domains=None, per_domain=None, attacker=None, defender=None,
                            judge=None, max_rounds=None, embedder=None, concurrency=None)
    assert settings.judge.tools == ["python"]


def test_the_run_without_out_is_a_usage_error_and_sweep_is_a_subcommand() -> None:
    result = CliRunner().invoke(app, ["nanoflux"])
    assert result.exit_code == 2 and "Missing option '--out'" in result.output
    result = CliRunner().invoke(app, ["nanoflux", "sweep", "--help"])
    assert result.exit_code == 0 and "--bands" in result.output

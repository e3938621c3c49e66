"""``hadron autoreason`` end to end with a scripted model: dataset, exports, summary, resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hadron.cli import app
from hadron.cli.autoreason import SMALL_MODEL_MAX_PASSES, SMALL_MODEL_MAX_TOKENS, build_config
from hadron.errors import ConfigError

from .fakes import Fake, FakeSetup, rank, ranking_line


def test_cli_writes_dataset_exports_and_summary_then_resumes_for_free(
        tmp_path: Path, fake_models: Callable[..., FakeSetup]) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"p{i}", "prompt": f"Question {i}?"}) + "\n"
                               for i in range(3)))
    setup = fake_models(Fake(judge=lambda cands, request: ranking_line(rank(cands, ["beta", "alpha"]))))
    out = tmp_path / "run"
    args = ["autoreason", str(prompts), "--out", str(out), "--model", setup.spec, "--judges", "3",
            "--synthesis", "minimal_repair", "--max-passes", "4", "--quiet"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "promotions B / AB" in first.output and "ballots valid first ask" in first.output
    summary = json.loads((out / "autoreason_summary.json").read_text())
    assert summary["rows"] == 3 and summary["valid_after_reasks_share"] == 1.0
    assert summary["promotions"]["B"] >= 3 and summary["promotions"]["AB"] == 0
    assert (out / "exports").is_dir() and any((out / "exports").iterdir())
    rows = [json.loads(line) for line in next((out / "data").glob("part-*.jsonl")).read_text().splitlines()]
    assert {row["settings"]["synthesis"] for row in rows} == {"minimal_repair"}
    assert all(row["final_source"]["candidate"] == "B" for row in rows)

    calls = sum(setup.fake.calls.values())
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert sum(setup.fake.calls.values()) == calls  # a rerun replays every answered call


def test_cli_reports_position_bias_in_table_stats_and_a_warning(
        tmp_path: Path, fake_models: Callable[..., FakeSetup]) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"p{i}", "prompt": f"Q{i}?"}) + "\n" for i in range(4)))
    setup = fake_models(Fake(judge=lambda cands, request: ranking_line(list(cands))))  # ranks by position
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["autoreason", str(prompts), "--out", str(out), "--model", setup.spec,
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert "promotions B / AB" in result.output and "first-shown ranked first" in result.output
    tail = " ".join(result.output.split("summary in")[-1].split())  # after the last line, unwrapped
    assert "judges ranked the candidate shown first as best in 24 of 24 ballots" in tail
    assert "mostly follow display order" in tail
    stats = json.loads((out / "stats.json").read_text())
    bias = stats["position_bias"][setup.spec]
    assert (bias["ballots"], bias["first_shown"], bias["follows_order"]) == (24, 24, True)
    assert stats["rows_done"] == 4 and stats["models"]  # the session's own counters are kept
    summary = json.loads((out / "autoreason_summary.json").read_text())
    assert summary["promotions"] == {"B": 0, "AB": 0} and summary["position_bias"]["all"]["share"] == 1.0
    again = CliRunner().invoke(app, ["autoreason", str(prompts), "--out", str(out), "--model", setup.spec,
                                     "--quiet"])
    assert again.exit_code == 0 and json.loads((out / "stats.json").read_text())["position_bias"] == \
        stats["position_bias"]  # a resumed session keeps the section


def test_build_config_layers_file_flags_and_small_model_defaults(tmp_path: Path) -> None:
    config = tmp_path / "ar.yaml"
    config.write_text("synthesis: minimal_repair\ncritic: {max_tokens: 77}\njudge: {max_reasks: 4}\n")
    settings = build_config(config, model=None, judges=7, synthesis=None, max_passes=None, max_tokens=None)
    assert settings.synthesis == "minimal_repair" and settings.n_judges == 7
    assert settings.judge.max_reasks == 4
    assert settings.critic.max_tokens == 77 and settings.author_b.max_tokens == SMALL_MODEL_MAX_TOKENS
    remote = build_config(None, model="openai:gpt-4o-mini", judges=None, synthesis=None, max_passes=3,
                          max_tokens=None)
    assert remote.author_b.max_tokens == 1024 and remote.max_passes == 3 and remote.k == 2
    assert settings.max_passes == SMALL_MODEL_MAX_PASSES == 3
    assert build_config(None, model="openai:gpt-4o-mini", judges=None, synthesis=None, max_passes=None,
                        max_tokens=None).max_passes == 15


def test_bad_config_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "ar.yaml"
    config.write_text("synthesis: blend\n")
    with pytest.raises(ConfigError, match="synthesis"):
        build_config(config, model=None, judges=None, synthesis=None, max_passes=None, max_tokens=None)
    config.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        build_config(config, model=None, judges=None, synthesis=None, max_passes=None, max_tokens=None)


def test_the_yaml_pipeline_is_the_same_job_as_the_command() -> None:
    from hadron.runtime.config import load_pipeline
    from hadron.tasks.autoreason.step import AutoReason

    pipeline = load_pipeline(Path(__file__).parents[3] / "examples" / "autoreason.yaml")
    (step,) = pipeline.steps
    assert isinstance(step, AutoReason)
    command = build_config(None, model=None, judges=None, synthesis=None, max_passes=None, max_tokens=None)
    options = step.options.model_dump()
    options.pop("input")
    assert options == command.model_dump()


def test_judge_consistency_off_reads_as_written_in_yaml(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("judge:\n  consistency: off\n  design: random\n")
    settings = build_config(path, model=None, judges=None, synthesis=None, max_passes=None, max_tokens=None)
    assert (settings.judge.consistency, settings.judge.design) == ("off", "random")
    path.write_text("judge:\n  consistency: maybe\n")
    with pytest.raises(ConfigError, match="consistency"):
        build_config(path, model=None, judges=None, synthesis=None, max_passes=None, max_tokens=None)

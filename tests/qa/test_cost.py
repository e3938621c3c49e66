"""Cost as people read it, from a real run against a real HTTP server: ``hadron stats``, the report and
the dataset card say "n/a" for a model without a known price (never $0), show the config's prices
otherwise, and show what a rerun replayed from the request cache as saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hadron.cli import app
from hadron.testing import FaultServer

runner = CliRunner()


def autoreason(prompts: Path, out: Path, cache: Path, *extra: str) -> None:
    done = runner.invoke(app, ["autoreason", str(prompts), "--out", str(out), "--max-passes", "1",
                               "--judges", "1", "--cache", str(cache), "--quiet", *extra])
    assert done.exit_code == 0, done.output


def shown(out: Path) -> tuple[dict[str, Any], str, str, str]:
    """``hadron stats --json``, the ``hadron stats`` table, the report's HTML and the card."""
    as_json = runner.invoke(app, ["stats", str(out), "--json"])
    table = runner.invoke(app, ["stats", str(out)])
    report = runner.invoke(app, ["report", str(out)])
    assert as_json.exit_code == table.exit_code == report.exit_code == 0, report.output
    return (json.loads(as_json.output), table.output, (out / "report.html").read_text(),
            (out / "README.md").read_text())


def test_cost_is_na_for_an_unpriced_model_and_dollars_with_saved_for_a_priced_one(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("Say hi\nName a colour\n")
    with FaultServer() as server:
        autoreason(prompts, tmp_path / "unpriced", tmp_path / "a.sqlite", "--model",
                   server.spec("some-unknown-model"))
        head, table, html, card = shown(tmp_path / "unpriced")
        assert head["cost_usd"] is None and head["unpriced_calls"] == head["calls"] > 0
        assert "cost (USD)" in table and "n/a" in table and "$0.0000" not in table
        assert '<div class="value">n/a</div>' in html.replace("\n", "") or ">n/a<" in html
        assert "$0.0000" not in html
        assert "| model cost (USD) | n/a |" in card

        config = tmp_path / "priced.yaml"
        config.write_text(f"model:\n  spec: '{server.spec()}'\n  price_in_per_mtok: 1.0\n"
                          "  price_out_per_mtok: 2.0\n")
        autoreason(prompts, tmp_path / "priced", tmp_path / "b.sqlite", "--config", str(config))
        autoreason(prompts, tmp_path / "replayed", tmp_path / "b.sqlite", "--config", str(config))

    head, table, html, card = shown(tmp_path / "priced")
    tokens = head["prompt_tokens"] * 1.0 + head["completion_tokens"] * 2.0
    assert head["cost_usd"] == pytest.approx(tokens / 1e6) and tokens > 0
    assert head["unpriced_calls"] == 0 and head["saved_usd"] == 0
    assert f"${head['cost_usd']:.4f}" in table and "n/a" not in table and "saved" not in table
    assert f"| model cost (USD) | {head['cost_usd']:.4f} |" in card

    again, table, html, card = shown(tmp_path / "replayed")
    assert again["cost_usd"] == pytest.approx(head["cost_usd"])  # the original spend, replayed
    assert again["saved_usd"] == pytest.approx(head["cost_usd"])  # every answer came from the cache
    assert "saved by the request cache (USD)" in table and "saved by the cache" in html
    assert f"| of which replayed from the request cache (USD) | {head['cost_usd']:.4f} |" in card

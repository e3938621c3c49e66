"""``hadron qa RUN``: the automatic spot checks of an agentic run, printed and saved as the run's QA report,
with the language rejects counted in the run summary too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hadron.cli import main
from hadron.llm.types import ChatRequest
from hadron.tasks.agentic.run import AgenticRunConfig, run_agentic

from .conftest import native_call, teacher_script
from .test_step import ORDERS

FRENCH = "La commande O-1042 est annulée et le remboursement de 39 euros arrive sur votre carte bancaire."


def teacher(request: ChatRequest) -> object:
    """Solves both variants; answers the second (two kettles) in French."""
    french = "two kettles" in json.dumps(request.messages) or "78.0" in json.dumps(request.messages)
    return teacher_script(
        [
            native_call("get_order", {"order_id": "O-1042"}),
            native_call("cancel_order", {"order_id": "O-1042", "reason": "ordered by mistake"}),
            FRENCH if french else "Order O-1042 is cancelled; 39.00 goes back to your card.",
        ]
    )(request)


@pytest.fixture
def run_dir(scripted: Callable[..., str], tmp_path: Path) -> Path:
    config = AgenticRunConfig(
        scenarios=str(ORDERS / "cancel-order.yaml"), teacher=scripted(teacher), review={"enabled": False}
    )
    out = tmp_path / "run"
    summary = asyncio.run(run_agentic(config, out, progress="off"))
    assert summary.rows == 1 and summary.rejected == {"language": 1} and summary.language_rejects == 1
    assert summary.family_exports == {"orders": 1}
    return out


def test_the_spot_checks_count_what_the_run_did(run_dir: Path) -> None:
    checks = json.loads((run_dir / "qa.json").read_text())
    assert (checks["accepted"], checks["rejected"], checks["acceptance"]) == (1, 1, 0.5)
    assert checks["discard_reasons"] == {"language": 1} and checks["language_rejects"] == 1
    assert checks["capabilities"] == {"orders": {"cancel_order": 1, "get_order": 1}}
    assert checks["scenarios_by_family"] == {"orders": 1}
    assert (checks["tool_calls"], checks["tool_calls_valid"]) == (2, 2)
    assert checks["languages"] == {"en": 1}
    shard = (run_dir / "exports/orders/shard-00000.jsonl").read_text().splitlines()
    assert len(shard) == 1 and json.loads(shard[0])["messages"][-1]["content"].startswith("Order O-1042")


def test_hadron_qa_prints_the_same_numbers(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = (run_dir / "qa.md").read_text()
    (run_dir / "qa.md").unlink()
    monkeypatch.setattr("sys.argv", ["hadron", "qa", str(run_dir)])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "episodes accepted: 1, discarded: 1 (acceptance 50%)" in out
    assert "discarded for language: 1" in out
    assert "saved tool calls valid: 2/2" in out
    assert "| orders | 1 | 1 | cancel_order: 1, get_order: 1 |" in out
    assert (run_dir / "qa.md").read_text() == saved  # the report holds the numbers printed


def test_hadron_qa_on_a_missing_run_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["hadron", "qa", str(tmp_path / "nope")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2 and "no such run directory" in capsys.readouterr().err


def test_the_html_report_shows_the_same_spot_checks(run_dir: Path) -> None:
    from hadron.qa.report import write_report

    html = Path(write_report(run_dir)).read_text(encoding="utf-8")
    assert "Spot checks (hadron qa)" in html
    assert "language mix" in html and "discard reasons" in html
    checks = json.loads((run_dir / "qa.json").read_text())
    assert f"{checks['tool_calls_valid']}/{checks['tool_calls']}" in html

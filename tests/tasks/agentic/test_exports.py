"""Accepted episodes exported with the shared SFT writers: golden files per format, loadable by datasets.

Regenerate after an intended change with ``HADRON_UPDATE_GOLDEN=1 pytest tests/tasks/agentic`` and
review the diff by eye.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hadron.data.exports import FORMATS
from hadron.llm.types import ChatRequest
from hadron.tasks.agentic.run import SFT_FORMATS, AgenticRunConfig, run_agentic
from hadron.tasks.agentic.user_sim import DONE

from .conftest import auto_review, native_call, teacher_script

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = Path(__file__).resolve().parents[3] / "src/hadron/tasks/agentic/scenarios"
UPDATE = os.environ.get("HADRON_UPDATE_GOLDEN") == "1"

TELECOM = teacher_script(
    [
        native_call("find_customer", {"phone": "+1 555 0303"}, text="Let me look up your account."),
        native_call("list_bills", {"customer_id": "C-3003", "status": "overdue"}),
        "<think>Line suspended for non-payment; B-3002 is overdue.</think>"
        "Your line is suspended because bill "
        "B-3002 (45.00) is overdue. Shall I pay it with your card on file?",
        native_call("pay_bill", {"bill_id": "B-3002", "amount": 45.0, "method": "card_on_file"}),
        native_call("resume_line", {"number": "+1 555 0303"}),
        "Done: B-3002 is paid and your line +1 555 0303 works again.",
    ]
)
TERMINAL = teacher_script(
    [
        native_call("run_command", {"command": "df -h /"}),
        native_call("run_command", {"command": "du -sh /var/log/app/*"}),
        native_call("run_command", {"command": "rm /var/log/app/debug.log && systemctl restart nginx"}),
        "The disk was full because of an 8.8 GB debug log. I deleted it and nginx runs again; / is at 56%.",
    ]
)


def teacher(request: ChatRequest):  # type: ignore[no-untyped-def]
    return (
        TERMINAL(request)
        if request.tools and request.tools[0]["function"]["name"] == "run_command"
        else TELECOM(request)
    )


def user(request: ChatRequest) -> str:
    return DONE if "works again" in request.messages[-1]["content"] else "Yes, please pay it."


@pytest.fixture
def run_dir(scripted: Callable[..., str], tmp_path: Path) -> Path:
    import asyncio

    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("telecom/overdue-resume.yaml", "terminal/disk-full-nginx.yaml"):
        (folder / name.replace("/", "-")).write_text((SCENARIOS / name).read_text(encoding="utf-8"))
    config = AgenticRunConfig(
        scenarios=str(folder),
        episodes=2,
        teacher=scripted(teacher),
        user=scripted(user),
        reviewer=scripted(auto_review(9)),
    )
    summary = asyncio.run(run_agentic(config, tmp_path / "run", progress="off"))
    assert summary.rows == 2 and summary.success == 2 and not summary.rejected
    return tmp_path / "run"


@pytest.mark.parametrize("name", SFT_FORMATS)
def test_sft_exports_match_golden(run_dir: Path, name: str) -> None:
    written = (run_dir / "exports" / FORMATS[name].filename).read_text(encoding="utf-8")
    golden = GOLDEN / FORMATS[name].filename
    if UPDATE:
        golden.write_text(written, encoding="utf-8")
    assert written == golden.read_text(encoding="utf-8")


def test_exports_keep_tools_and_calls_in_each_spelling(run_dir: Path) -> None:
    trl = [json.loads(line) for line in (run_dir / "exports/sft.trl.jsonl").read_text().splitlines()]
    openai = [json.loads(line) for line in (run_dir / "exports/sft.openai.jsonl").read_text().splitlines()]
    sharegpt = [
        json.loads(line) for line in (run_dir / "exports/sft.sharegpt.jsonl").read_text().splitlines()
    ]
    assert trl[0]["messages"][2]["tool_calls"][0]["function"]["arguments"] == {"command": "df -h /"}
    assert trl[0]["messages"][3] == {
        "role": "tool",
        "content": trl[0]["messages"][3]["content"],
        "name": "run_command",
    }
    call = openai[0]["messages"][2]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"command": "df -h /"}
    assert openai[0]["messages"][3]["tool_call_id"] == call["id"] and openai[0]["tools"] == trl[0]["tools"]
    speakers = [turn["from"] for turn in sharegpt[1]["conversations"]]
    assert speakers[:4] == ["system", "human", "function_call", "observation"] and speakers[-1] == "gpt"
    assert json.loads(sharegpt[1]["tools"])[0]["name"] == "find_customer"
    assert all("think" not in line for line in (run_dir / "exports/sft.trl.jsonl").read_text().splitlines())


def test_exports_load_with_datasets(run_dir: Path, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    datasets.disable_progress_bars()
    for name in SFT_FORMATS:
        path = run_dir / "exports" / FORMATS[name].filename
        loaded = datasets.load_dataset(
            "json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf-cache")
        )
        assert len(loaded) == 2, name
        first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        assert set(first) <= set(loaded.column_names), name

"""The tournament with the real embedded model, through the pipeline runtime (slow: minutes on 2 cores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.runtime.pipeline import Pipeline
from hadron.tasks.autoreason.step import AutoReason
from hadron.tasks.autoreason.summary import summarize

pytestmark = [pytest.mark.model, pytest.mark.slow]

SHORT = {"max_tokens": 96}
ROWS = [
    {"id": "trains", "prompt": "A train leaves at 3:40 pm; the trip takes 85 minutes. When does it arrive?"},
    {"id": "haiku", "prompt": "Write a haiku about the first snow of winter."},
    {"id": "empty", "prompt": "   "},
    {"id": "too-long", "prompt": "Summarize this. " + "lorem ipsum dolor sit amet " * 2500},
]


def read_rows(run: Path) -> list[dict[str, object]]:
    return [json.loads(line) for shard in sorted((run / "data").glob("part-*.jsonl"))
            for line in shard.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("ballot", ["auto", "text"])
async def test_every_row_completes_and_ballots_are_counted(tmp_path: Path, ballot: str) -> None:
    step = AutoReason(model="local", max_passes=1, teacher=SHORT, critic=SHORT, author_b=SHORT,
                      synthesizer=SHORT, judge={"max_tokens": 96, "ballot": ballot, "max_reasks": 1})
    result = await Pipeline(ROWS, [step]).run(tmp_path / "run", progress="quiet")
    assert result.rows == 2 and result.errors == 2
    errors = {e["id"]: e for e in map(json.loads, (tmp_path / "run/errors.jsonl").read_text().splitlines())}
    assert errors["empty"]["error_type"] == "EmptyPrompt"
    assert errors["too-long"]["error_type"] == "Rejected" and "context" in errors["too-long"]["message"]
    rows = read_rows(tmp_path / "run")
    assert {row["id"] for row in rows} == {"trains", "haiku"}
    for row in rows:
        assert row["generation"] and row["passes"] == 1 and len(row["trace"]) == 1
        for ballot_record in row["trace"][0]["ballots"]:
            assert 1 <= ballot_record["asks"] <= 2
            assert ballot_record["valid"] == (ballot_record["ranking"] is not None)
            if not ballot_record["valid"]:
                assert ballot_record["asks"] == 2 and ballot_record["error"]  # re-asked, then recorded
    summary = summarize(rows)
    assert summary.ballots == 6
    for row in rows:  # each pass's three judges saw the three rotations of one order
        ballots = row["trace"][0]["ballots"]
        firsts = [b["permutation"]["X1"] for b in ballots]
        assert sorted(firsts) == ["A", "AB", "B"] and {b["design"] for b in ballots} == {"latin"}
    readable = sum(b["ranking"] is not None for row in rows for b in row["trace"][0]["ballots"])
    assert summary.bias.ballots == readable  # the meter counts every readable ballot
    reasks = sum(b["asks"] - 1 for row in rows for b in row["trace"][0]["ballots"])
    assert summary.usage["judge"].reasks == reasks
    if ballot == "auto":  # schema-constrained ballots: the weak model cannot garble them
        assert summary.valid_after_reasks == 6


async def test_four_judges_the_leftover_one_sees_the_draft_first(tmp_path: Path) -> None:
    """A panel a Latin square cannot balance: three judges get the rotations, the fourth is shown A
    first, so the positional point it adds goes to keeping the draft (the embedded judge ranks mostly by
    display order)."""
    step = AutoReason(model="local", max_passes=1, n_judges=4, teacher=SHORT, critic=SHORT, author_b=SHORT,
                      synthesizer=SHORT, judge={"max_tokens": 96, "max_reasks": 1})
    result = await Pipeline(ROWS[:1], [step]).run(tmp_path / "run", progress="quiet")
    assert result.rows == 1
    ballots = read_rows(tmp_path / "run")[0]["trace"][0]["ballots"]  # type: ignore[index]
    assert len(ballots) == 4
    assert {b["design"] for b in ballots} == {"latin+incumbent"}  # the design of the whole panel
    square = sorted(b["permutation"]["X1"] for b in ballots if b["slot"] < 3)  # rows 0-2: one square
    (leftover,) = [b["permutation"]["X1"] for b in ballots if b["slot"] >= 3]  # a row of the next one
    assert square == ["A", "AB", "B"] and leftover == "A"

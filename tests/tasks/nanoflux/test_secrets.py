"""A key in the environment that the models and the judge's tool echo is in no file the run writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.qa.card import write_dataset_card
from hadron.qa.report import write_report
from hadron.runtime.export import export_run
from hadron.sandbox import check
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.run import FORMATS, run_step
from hadron.tasks.nanoflux.step import NanoFluxStep

from .conftest import GOOD_VERDICT, Fake, FakeEmbedder, Round, question_text, tool_call

KEY = "sk-fake-9f8e7d6c5b4a3210-canary"


async def test_no_file_of_the_run_holds_the_key(scripted, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    if not check().available:
        pytest.skip(check().reason)
    monkeypatch.setenv("FAKE_OPENAI_API_KEY", KEY)
    bad = {**GOOD_VERDICT, "valid": False, "notes": f"the question leaks {KEY}"}
    fake = Fake(rounds={
        0: Round(attack=json.dumps({"question": question_text(0), "answer": "42",
                                    "explanation": f"Step one reads {KEY}. Step two. Step three."}),
                 defense=f"My key is {KEY}.\nANSWER: 41",
                 check=[tool_call(f"print('{KEY}')\n6 * 7"), f"the tool printed {KEY}"]),
        1: Round(verdict=bad),
    })
    spec = scripted(fake, tools=True)
    config = NanoFluxConfig.model_validate({
        "domains": ["math"], "per_domain": 2, "pool_factor": 1, "max_rounds": 2, "concurrency": 1,
        "attacker": {"model": spec}, "defender": {"model": spec}, "judge": {"model": spec},
        "sandbox": {"wall_seconds": 5}})
    out = tmp_path / "run"
    rows, rejected, _ = await run_step(NanoFluxStep("nanoflux", embed_with=FakeEmbedder(),
                                                    **config.model_dump()), out)
    assert rows == 1 and sum(rejected.values()) == 1
    export_run(out, FORMATS)
    write_report(out)
    write_dataset_card(out)

    files = [p for p in out.rglob("*") if p.is_file()]
    leaks = [str(p.relative_to(out)) for p in files if KEY.encode() in p.read_bytes()]
    assert leaks == []
    masked = {str(p.relative_to(out)) for p in files if b"[REDACTED]" in p.read_bytes()}
    assert {"rejects.jsonl", "report.html"} <= masked  # the key did reach what was written
    assert any(name.startswith("data/") for name in masked) and any(n.startswith("exports/") for n in masked)
    [row] = [json.loads(line) for p in (out / "data").glob("part-*.jsonl")
             for line in p.read_text().splitlines()]
    assert row["tool_evidence"][0]["output"].startswith("[REDACTED]")

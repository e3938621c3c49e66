from __future__ import annotations

import html
import json
import re
from pathlib import Path

from hadron.qa.report import Sampler, embed_json, redact, render_report, write_report
from hadron.qa.rundir import RunDir


def embedded_rows(page: str) -> list[dict]:
    match = re.search(r'<script type="application/json" id="rows-data">(.*?)</script>', page, re.DOTALL)
    assert match
    return json.loads(match.group(1))


def section_ids(page: str) -> set[str]:
    return set(re.findall(r'<section id="([a-z]+)" class="panel">', page))


def test_autoreason_report(autoreason_run: Path) -> None:
    path = write_report(autoreason_run)
    assert path == autoreason_run / "report.html"
    page = path.read_text(encoding="utf-8")
    assert section_ids(page) >= {"outcomes", "tournament", "coverage", "scores", "usage", "runtime",
                                 "browser", "config"}
    assert "agentic" not in section_ids(page) and "eval" not in section_ids(page)
    for title in ("Passes to convergence", "Final text came from", "Borda margin", "Ballots",
                  "Tokens by role", "Cost by role", "Seconds per (uncached) call", "Errors by type",
                  "Discard / reject reasons",
                  "Position bias: ballots whose first choice was the candidate shown first"):
        assert title in page
    assert page.count("<svg") >= 10 and "<rect" in page
    rows = embedded_rows(page)
    assert [r["view"] for r in rows] == ["tournament"] * 6
    assert rows[0]["row"]["trace"][0]["ballots"][0]["permutation"]


def test_report_is_self_contained(autoreason_run: Path) -> None:
    page = render_report(RunDir.open(autoreason_run))
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page


def test_row_text_cannot_break_out(autoreason_run: Path) -> None:
    page = render_report(RunDir.open(autoreason_run))
    # The fixture prompt mentions "<script>" and "</script>": only escaped forms may appear.
    assert page.count("</script>") == 2  # the JSON block and the inlined browser script
    assert "Describe \\u003cscript\\u003e tags" in page
    option = re.search(r"<option[^>]*>(p005[^<]*)</option>", page)
    assert option and "&lt;script&gt;" in option.group(1)
    rows = embedded_rows(page)
    assert rows[5]["row"]["prompt"].startswith("Describe <script> tags")


def test_embed_json_escapes() -> None:
    text = str(embed_json({"x": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"x": "</script><!-- & \u2028"}


def test_agentic_report(agentic_run: Path) -> None:
    page = write_report(agentic_run).read_text(encoding="utf-8")
    assert {"agentic", "coverage", "outcomes", "browser"} <= section_ids(page)
    assert "tournament" not in section_ids(page)
    assert "Tool calls per episode" in page and "review_below_threshold" in page
    assert {r["view"] for r in embedded_rows(page)} == {"agentic"}
    assert "<figcaption>family</figcaption>" in page  # coverage by scenario family


def test_nanoflux_report(nanoflux_run: Path) -> None:
    page = write_report(nanoflux_run).read_text(encoding="utf-8")
    assert {"coverage", "scores", "outcomes"} <= section_ids(page)
    for column in ("hops", "reasoning_level", "judge.reasoning_quality", "novelty"):
        assert html.escape(column) in page
    assert "too_similar" in page
    assert {r["view"] for r in embedded_rows(page)} == {"plain"}


def test_eval_results_are_picked_up(autoreason_run: Path) -> None:
    result = {"a": {"label": "autoreason"}, "b": {"label": "single_shot"},
              "join": {"key": "id", "pairs": 4, "unmatched_a": 0, "unmatched_b": 0}, "rule": "both orders",
              "overall": {"n": 4, "wins": 3, "ties": 1, "losses": 0,
                          "win_rate": {"point": 0.875, "low": 0.625, "high": 1.0},
                          "net": {"point": 0.75, "low": 0.5, "high": 1.0}},
              "by_category": {}, "no_verdict": 0, "judges": [],
              "length": {"n": 4, "a_mean_chars": 120.0, "b_mean_chars": 80.0, "longer_won_rate": 1.0},
              "verifiable": {"n": 2, "a_accuracy": {"point": 1.0, "low": 1.0, "high": 1.0},
                             "b_accuracy": {"point": 0.5, "low": 0.0, "high": 1.0},
                             "difference": {"point": 0.5, "low": 0.0, "high": 1.0}, "both_right": 1,
                             "only_a": 1, "only_b": 0, "both_wrong": 0, "modes": {"numeric": 2}}}
    (autoreason_run / "eval.json").write_text(json.dumps(result), encoding="utf-8")
    page = render_report(RunDir.open(autoreason_run))
    assert "eval" in section_ids(page)
    assert "0.875 [0.625, 1.000]" in page and "Verifiable answers" in page


def test_empty_run_dir_still_renders(tmp_path: Path) -> None:
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert "rows done" in page and "browser" not in section_ids(page)


def test_distill_output_renders(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_text(json.dumps({
        "promoted": True, "reason": "winner beats baseline",
        "gate": {"baseline_mean": 0.5, "winner_mean": 0.8, "delta": 0.3, "min_delta": 0.0, "n": 10,
                 "ci95": [0.1, 0.5], "reps": 1, "fields": {"category": {"baseline": 0.5, "winner": 0.9}}},
        "budget": {"metric_calls": 40, "stopped_by": "budget"},
        "usage": {"student": {"calls": 50, "prompt_tokens": 1000, "completion_tokens": 200}}}),
        encoding="utf-8")
    (tmp_path / "candidates.jsonl").write_text(
        json.dumps({"index": 0, "prompt": "Classify.", "val_score": 0.5, "best": False}) + "\n"
        + json.dumps({"index": 1, "prompt": "Classify <carefully>.", "val_score": 0.8, "best": True}) + "\n",
        encoding="utf-8")
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert {"distill", "usage", "browser"} <= section_ids(page)
    assert "Winner promoted" in page and "Validation score of each candidate" in page


def test_sampler_is_seeded_and_ordered() -> None:
    def take(seed: int) -> list[int]:
        sampler = Sampler(5, seed)
        for i in range(100):
            sampler.offer({"i": i})
        return [row["i"] for row in sampler.rows()]

    assert take(0) == take(0) and take(0) != take(1)
    assert take(0) == sorted(take(0)) and len(take(0)) == 5


def test_secrets_in_config_are_masked() -> None:
    assert redact({"api_key": "sk-123", "api_key_env": "OPENAI_API_KEY", "nested": [{"token": "t"}]}) == {
        "api_key": "***", "api_key_env": "OPENAI_API_KEY", "nested": [{"token": "***"}]}


def test_a_panel_that_follows_display_order_is_flagged(autoreason_run: Path) -> None:
    for shard in (autoreason_run / "data").glob("*.jsonl"):
        rows = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines() if line.strip()]
        for ballot in (b for row in rows for entry in row["trace"] for b in entry.get("ballots") or ()):
            if ballot.get("ranking"):
                ballot["ranking"] = [ballot["permutation"][label] for label in sorted(ballot["permutation"])]
        shard.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    page = write_report(autoreason_run).read_text(encoding="utf-8")
    assert "mostly follow display order" in page and "48 of 48 ballots" in page

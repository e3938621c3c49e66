from __future__ import annotations

from typing import Any

import pytest

from hadron.qa import fields as rf
from hadron.qa.stats import RunSummary, categorical_leaves, models_by_role, numeric_leaves, summarize
from hadron.tasks.autoreason.summary import TournamentStats, judged_passes, pass_margins


def test_judged_passes_skip_void_and_short_circuit(autoreason_rows: list[dict[str, Any]]) -> None:
    capped = next(r for r in autoreason_rows if r["id"] == "p003")
    assert [p["pass"] for p in judged_passes(capped)] == [2, 3, 4]  # pass 1 was void
    row = {"trace": [{"pass": 1, "short_circuit": True, "ballots": [], "winner": "A"}]}
    assert judged_passes(row) == []


def test_margins_and_ballots_of_one_row(autoreason_rows: list[dict[str, Any]]) -> None:
    capped = next(r for r in autoreason_rows if r["id"] == "p003")
    assert pass_margins(capped) == [3, 3, 1]
    # 4 passes x 3 judges; pass 1 had two invalid ballots, each asked twice.
    one = TournamentStats()
    one.add_row(capped)
    assert one.ballots == {"ballots": 12, "valid": 10, "valid_first_ask": 10, "invalid": 2, "reasks": 2}


def test_models_by_role_reads_settings_and_columns(autoreason_rows: list[dict[str, Any]]) -> None:
    models = models_by_role(autoreason_rows[0])
    assert models["judge"] == {"local"}
    assert models["critic"] == {"openai:gpt-4o-mini"}
    assert models_by_role({"teacher_model": "m1", "reviewer_model": "m2"}) == {"teacher": {"m1"},
                                                                                "reviewer": {"m2"}}


def test_leaves_pick_numbers_and_short_strings() -> None:
    row = {"id": "x", "prompt": "long text", "hops": 3, "ok": True, "score": float("nan"),
           "review": {"total": 0.5, "accepted": False, "feedback": "a\nb"}, "domain": "math"}
    assert numeric_leaves(row) == {"hops": 3.0, "review.total": 0.5}
    assert categorical_leaves(row) == {"ok": "true", "review.accepted": "false", "domain": "math"}


def test_summary_of_fixture_run(autoreason_rows: list[dict[str, Any]]) -> None:
    errors = [{"step": "autoreason", "error_type": "Rejected"}]
    rejects = [{"reason": "duplicate_prompt"}, {"reason": "duplicate_prompt"}]
    s = summarize(autoreason_rows, errors, rejects)
    assert (s.rows, s.errors, s.rejects) == (6, 1, 2)
    t = s.tasks["autoreason"]
    assert isinstance(t, TournamentStats)
    assert t.rows == 6 and t.converged == 5
    assert t.passes_converged == {2: 2, 3: 3}
    assert t.passes_capped == {4: 1}
    assert t.final_source == {"A (draft)": 2, "B": 2, "AB": 2}
    assert t.void_passes == 1 and t.passes_total == 17
    assert t.pass_winners == {"A": 10, "B": 3, "AB": 3}
    assert t.margins.n == 16
    assert t.ballots["ballots"] == 51 and t.ballots["invalid"] == 3
    assert s.reject_reasons == {"duplicate_prompt": 2}
    assert s.errors_by_type == {"Rejected": 1}
    assert s.coverage()["category"]["software"] == 2
    head = s.headline()
    assert head["converged_rate"] == pytest.approx(5 / 6)
    assert head["mean_passes"] == pytest.approx(17 / 6)
    assert head["valid_ballot_rate"] == pytest.approx(48 / 51)
    assert head["success_rate"] == pytest.approx(6 / 9)
    assert (t.position.overall.ballots, t.position.overall.first_shown) == (48, 16)  # the readable ballots
    assert head["first_shown_rate"] == pytest.approx(1 / 3)
    assert head["first_shown_chance"] == pytest.approx(1 / 3)
    assert s.usage["judge"].calls == sum(r["usage"]["judge"]["calls"] for r in autoreason_rows)


def test_summaries_add_like_one_pass(autoreason_rows: list[dict[str, Any]]) -> None:
    whole = summarize(autoreason_rows)
    parts = summarize(autoreason_rows[:2]) + summarize(autoreason_rows[2:])
    assert parts.headline() == whole.headline()
    part, one = parts.tasks["autoreason"], whole.tasks["autoreason"]
    assert isinstance(part, TournamentStats) and isinstance(one, TournamentStats)
    assert part.final_source == one.final_source and part.margins.values == one.margins.values
    for role, usage in whole.usage.items():
        assert parts.usage[role].calls == usage.calls
        assert parts.usage[role].cost_usd == pytest.approx(usage.cost_usd)
    assert parts.categories == whole.categories


def test_usage_by_model_groups_roles(autoreason_rows: list[dict[str, Any]]) -> None:
    s = summarize(autoreason_rows)
    by_model = s.usage_by_model()
    assert set(by_model) == {"local", "openai:gpt-4o-mini"}
    assert by_model["local"].calls == s.usage["judge"].calls


def test_high_cardinality_strings_are_not_categories() -> None:
    s = RunSummary()
    for i in range(100):
        s.add_row({"id": str(i), "source_file": f"file-{i}.txt", "domain": "math" if i % 2 else "bio"})
    assert "source_file" not in s.coverage()
    assert s.coverage()["domain"] == {"math": 50, "bio": 50}


def test_agentic_rows_count_tool_calls() -> None:
    row = {"id": "e", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "run", "arguments": "{}"}},
            {"id": "c2", "type": "function", "function": {"name": "ls", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        {"role": "tool", "tool_call_id": "c2", "content": "ok"},
        {"role": "assistant", "content": "done"}]}
    s = summarize([row])
    assert s.agentic_rows == 1 and s.tool_calls.total == 2
    assert s.tool_names == {"run": 1, "ls": 1}
    assert s.turns.values == {2.0: 1}
    assert rf.text_of(row) == "done" and rf.prompt_of(row) == "hi"


def test_baseline_rows_do_not_count_as_convergence() -> None:
    single = {"id": "s", "prompt": "p", "method": "single_shot", "generation": "g", "converged": True,
              "passes": 0, "final_source": {"candidate": "A", "pass": 0, "index": None}, "trace": []}
    s = summarize([single])
    t = s.tasks["single_shot"]
    assert isinstance(t, TournamentStats)
    assert t.rows == 1 and t.refined_rows == 0
    assert t.final_source == {"A (draft)": 1}
    head = s.headline()
    assert "converged_rate" not in head and "void_passes" not in head


def test_autoreason_and_baseline_rows_report_one_tournament(autoreason_rows: list[dict[str, Any]]) -> None:
    single = {"id": "s", "prompt": "p", "method": "single_shot", "generation": "g", "converged": True,
              "passes": 0, "final_source": {"candidate": "A", "pass": 0, "index": None}, "trace": []}
    s = summarize([*autoreason_rows, single])
    assert set(s.tasks) == {"autoreason", "single_shot"}
    (joined,) = s.task_stats()  # both tasks keep a TournamentStats: added into one
    assert isinstance(joined, TournamentStats)
    assert (joined.rows, joined.refined_rows, joined.converged) == (7, 6, 5)
    head = s.headline()
    assert head["converged_rate"] == pytest.approx(5 / 6)  # the baseline row neither converges nor runs
    assert head["final_source"] == {"A (draft)": 3, "B": 2, "AB": 2}


def test_the_trace_says_which_model_served_each_role() -> None:
    row = {"id": "t", "method": "autoreason", "generation": "g", "trace": [
        {"pass": 1, "critique": {"text": "c", "model": "m-critic"}, "b": {"text": "b", "model": "m-b"},
         "ab": {"text": "ab", "model": "m-ab"}, "ballots": [{"model": "j1", "valid": True, "asks": 1},
                                                           {"model": "j2", "valid": False, "asks": 2}]}]}
    s = summarize([row])
    assert s.role_models() == {"critic": {"m-critic"}, "author_b": {"m-b"}, "synthesizer": {"m-ab"},
                               "judge": {"j1", "j2"}}
    assert s.models == {}  # nothing in the row's settings or columns: only its task read the trace
